"""The register of persons who take part in cases: natural persons by IIN, legal entities by BIN."""

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class Person(models.Model):
    """A natural person. One row per IIN; the IIN's date part and check digit are validated by
    `persons.services.person_get_or_create` before a row is written."""

    iin = models.CharField(_("IIN"), max_length=12, unique=True)
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    citizenship = models.CharField(_("citizenship"), max_length=3, default="KAZ")

    class Meta:
        ordering: ClassVar = ["last_name", "first_name"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)


class LegalEntity(models.Model):
    """An organisation, by BIN."""

    bin = models.CharField(_("BIN"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=300)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("legal entity")
        verbose_name_plural = _("legal entities")

    def __str__(self) -> str:
        return self.name
