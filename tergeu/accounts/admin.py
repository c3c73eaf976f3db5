"""The admin is for reference data only: regions, agencies, officials and their appointments.
Cases, acts and persons are not here — they are read only through the access gate."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from tergeu.accounts.models import Agency, Appointment, DutyShift, Official, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ("code", "name_kk", "name_ru", "name_en")
    search_fields = ("code", "name_kk", "name_ru", "name_en")


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ("authority_code", "name", "kind", "region", "parent", "supervisor")
    list_filter = ("kind", "region")
    search_fields = ("authority_code", "name")
    autocomplete_fields = ("parent", "supervisor")


class AppointmentInline(admin.TabularInline[Appointment, Official]):
    model = Appointment
    extra = 0
    autocomplete_fields = ("agency",)


@admin.register(Official)
class OfficialAdmin(UserAdmin[Official]):
    inlines = (AppointmentInline,)
    list_display = ("username", "last_name", "first_name", "iin", "is_active", "is_staff")
    search_fields = ("username", "last_name", "first_name", "email", "iin")
    # The IIN ties the official to their signing certificates (docs/signing.md).
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Identification"), {"fields": ("patronymic", "iin")}),
    )


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin[DutyShift]):
    list_display = ("court", "judge", "starts_at", "ends_at")
    list_filter = ("court",)
    date_hierarchy = "starts_at"
