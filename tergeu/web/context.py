"""What every page of the web UI shows about the signed-in official: the workspaces their roles
open (one query for the roles) and their unread notifications (one count), each read only by a
page that shows it."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

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
    def statistics(self) -> bool:
        return bool(self.user.is_superuser) or bool(self.roles & {Role.ANALYST, Role.PROSECUTOR})

    @property
    def trial_judge(self) -> bool:
        return Role.TRIAL_JUDGE in self.roles

    @property
    def head(self) -> bool:
        return bool(self.roles & set(HEAD_ROLES))

    @property
    def executing(self) -> bool:
        return bool(self.roles & set(EXECUTING_AGENCIES))

    @property
    def auditor(self) -> bool:
        return Role.AUDITOR in self.roles


# Where each role's day starts, the first a person holds in this order; everyone else (the
# investigator, the registrar) starts at "My cases".
LANDINGS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({Role.DEFENCE_LAWYER}), "web:defence"),
    (frozenset({Role.TRIAL_JUDGE}), "web:court"),
    (frozenset({Role.INVESTIGATING_JUDGE}), "web:my_queue"),
    (frozenset({Role.PROSECUTOR}), "web:supervision"),
    (frozenset(EXECUTING_AGENCIES), "web:execution_orders"),
    (frozenset(HEAD_ROLES), "web:unit"),
    (frozenset({Role.ANALYST}), "web:statistics"),
    (frozenset({Role.AUDITOR}), "web:audit"),
)


def landing(user: Official) -> str:
    """The URL of the workspace `user`'s roles open on after signing in."""
    roles = Menu(user).roles
    for wanted, name in LANDINGS:
        if roles & wanted:
            return reverse(name)
    return reverse("web:my_cases")


def menu(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"menu": Menu(user)} if isinstance(user, Official) else {}
