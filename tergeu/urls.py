"""URL map: the web UI, the REST API under /api/v1/, the admin for reference data, and the
citizens' status page under /status/, and the page a document's QR code opens under
/verify/."""

from django.contrib import admin
from django.urls import include, path

from tergeu.accounts.calendar_admin import calendar
from tergeu.api.main import api
from tergeu.public.verification import verify_hash

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/calendar/", calendar, name="admin_calendar"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("status/", include("tergeu.public.urls")),
    # What a document's QR code opens (TERGEU_VERIFY_URL).
    path("verify/<str:act_hash>", verify_hash, name="verify"),
    path("", include("tergeu.web.urls")),
]
