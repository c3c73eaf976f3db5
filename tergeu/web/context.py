"""What every page of the web UI shows about the signed-in official: the workspaces their roles
open (one query for the roles) and their unread notifications (one count), each read only by a
page that shows it."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from tergeu.accounts.models import EXECUTING_AGENCIES, HEAD_ROLES, Appointment, Official, Role
from tergeu.notifications.models import Notification


class Menu:
    def __init__(self, user: Official) -> None:
        self.user = user

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(
            Appointment.objects.filter(official=self.user).values_list("role", flat=True)
        )

    @cached_property
    def unread(self) -> int:
        return Notification.objects.for_recipient(self.user).unread().count()

    @property
    def prosecutor(self) -> bool:
        return Role.PROSECUTOR in self.roles

    @property
    def lawyer(self) -> bool:
        return Role.DEFENCE_LAWYER in self.roles

    @property
    def trial_judge(self) -> bool:
        return Role.TRIAL_JUDGE in self.roles

    @property
    def head(self) -> bool:
        return bool(self.roles & set(HEAD_ROLES))

    @property
    def executing(self) -> bool:
        return bool(self.roles & set(EXECUTING_AGENCIES))


def menu(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"menu": Menu(user)} if isinstance(user, Official) else {}
