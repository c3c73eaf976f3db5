"""Projections of the journal: the case, its participants and its deadlines. These rows are
written only by `journal.services.act_append` (in the act's transaction) and can always be
rebuilt from the journal (`manage.py verify_journal` proves they agree)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from tergeu import clock
from tergeu.accounts.models import Agency, Official


class Stage(models.TextChoices):
    """Case-level states (DOMAIN-KZ §13.1): the stages of the procedure pack (a test keeps the
    two equal). The report-only states live on the crime report."""

    REGISTERED = "registered", _("Registered, pre-trial investigation started")
    UNDER_INVESTIGATION = "under_investigation", _("Under investigation")
    INTERRUPTION_PENDING = (
        "interruption_pending",
        _("Interruption awaiting the prosecutor's agreement"),
    )
    TERMS_INTERRUPTED = "terms_interrupted", _("Terms interrupted")
    TERMINATION_PENDING_APPROVAL = "termination_pending", _("Termination pending approval")
    TERMINATED = "terminated", _("Terminated")
    FAMILIARIZATION = "familiarization", _("Familiarisation with the materials")
    INVESTIGATION_COMPLETED = "investigation_completed", _("Investigation completed")
    AT_PROSECUTOR = "at_prosecutor", _("At the prosecutor")
    SENT_TO_COURT = "sent_to_court", _("Sent to court")
    TRIAL_SCHEDULED = "trial_scheduled", _("Trial scheduled")
    TRIAL = "trial", _("Trial")
    JUDGMENT_ISSUED = "judgment_issued", _("Judgment issued")
    WRIT_REVIEW = "writ_review", _("Writ case before the court")
    WRIT_VERDICT = "writ_verdict", _("Writ verdict issued")
    IN_APPEAL = "in_appeal", _("In appeal")
    IN_FORCE = "in_force", _("In force")
    EXECUTION = "execution", _("Execution of the sentence")
    CLOSED = "closed", _("Closed")


class InvestigationForm(models.TextChoices):
    """Forms of pre-trial investigation (art. 189)."""

    UNDETERMINED = "", _("not yet chosen")
    PROTOCOL = "protocol", _("Protocol form")
    INQUIRY = "inquiry", _("Inquiry (дознание)")
    PRELIMINARY = "preliminary", _("Preliminary investigation (следствие)")


class OffenceCategory(models.TextChoices):
    """Criminal Code arts 10–11."""

    UNDETERMINED = "", _("not yet determined")
    MISDEMEANOUR = "misdemeanour", _("Criminal misdemeanour")
    SMALL = "small", _("Small gravity")
    MEDIUM = "medium", _("Medium gravity")
    GRAVE = "grave", _("Grave")
    ESPECIALLY_GRAVE = "especially_grave", _("Especially grave")


class CaseQuerySet(models.QuerySet["Case"]):
    def search(self, text: str, *, people: bool = True) -> CaseQuerySet:
        """The cases whose register number begins with `text`, or whose summary holds it; with
        `people`, also those with a participant of that IIN (12 digits) or name."""
        text = text.strip()
        if not text:
            return self
        participants = Participant.objects.filter(case=OuterRef("pk"))
        if text.isdigit():
            found = Q(register_number__startswith=text)
            if people and len(text) == 12:
                found |= Q(Exists(participants.filter(party=f"iin:{text}")))
            return self.filter(found)
        found = Q(summary__icontains=text)
        if people:
            named = Q(person__last_name__icontains=text) | Q(person__first_name__icontains=text)
            found |= Q(Exists(participants.filter(named)))
        return self.filter(found)


class Case(models.Model):
    """One case of the unified register (ЕРДР): the head of its journal and the projection of it."""

    register_number = models.CharField(_("register number"), max_length=32, unique=True)
    registered_at = models.DateTimeField(_("registered at"))
    summary = models.TextField(_("summary"))
    qualification_article = models.CharField(_("Criminal Code article"), max_length=16)
    qualification_part = models.CharField(_("part"), max_length=8, blank=True)
    qualification_paragraph = models.CharField(_("paragraph"), max_length=8, blank=True)
    offence_category = models.CharField(
        _("offence category"), max_length=20, choices=OffenceCategory.choices, blank=True
    )
    investigation_form = models.CharField(
        _("form of investigation"), max_length=16, choices=InvestigationForm.choices, blank=True
    )
    stage = models.CharField(_("stage"), max_length=32, choices=Stage.choices)
    investigation_unit = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="cases", verbose_name=_("investigation unit")
    )
    supervising_office = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="supervised_cases",
        verbose_name=_("supervising prosecutor's office"),
    )
    lead_investigator = models.ForeignKey(
        Official, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    procedural_prosecutor = models.ForeignKey(
        Official, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The journal's head: appends read these instead of the journal, so an append costs the same
    # for the 10th act and the 10,000th.
    execution_institution = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="executed_cases",
        verbose_name=_("institution executing the sentence"),
    )
    # The procedure engine's view of the case (tergeu.procedure.state.ProcState as JSON):
    # persons' statuses and measures, open requests, covert actions and clocks.
    procedure = models.JSONField(default=dict, blank=True)
    # The nearest end of an open deadline of the case (its covert compartments' and the windows
    # given to others left out): what the supervision list is ordered by.
    next_due_at = models.DateTimeField(null=True, blank=True)
    last_seq = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    objects: ClassVar[CaseQuerySet] = CaseQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering: ClassVar = ["-registered_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes: ClassVar = [
            models.Index(fields=["investigation_unit", "-registered_at"]),
            models.Index(fields=["supervising_office", "-registered_at"]),
            models.Index(fields=["next_due_at"], name="case_next_due"),
            # A unit's cases counted for its officials' list and summed by investigator for the
            # head's overview from this index alone: the case rows (with the procedure's state)
            # are wide, and reading tens of thousands of them cost up to 170 ms a page.
            models.Index(
                fields=["investigation_unit", "stage"],
                include=["id", "lead_investigator", "next_due_at"],
                name="case_unit_stage",
            ),
        ]

    def __str__(self) -> str:
        return self.register_number

    @property
    def qualification(self) -> str:
        parts = [f"art. {self.qualification_article}"]
        if self.qualification_part:
            parts.append(f"p. {self.qualification_part}")
        if self.qualification_paragraph:
            parts.append(f"para. {self.qualification_paragraph}")
        return ", ".join(parts)


class CaseAssignment(models.Model):
    """An official of the investigation unit who works on the case (registrar who registered it,
    investigators who accepted it); a projection of the journal."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    official = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=32)
    since_seq = models.PositiveIntegerField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["case", "official"], name="assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.official_id} ({self.role})"


class ParticipantRole(models.TextChoices):
    """Participants of the process (arts 64–81)."""

    APPLICANT = "applicant", _("Applicant")
    VICTIM = "victim", _("Victim")
    SUSPECT = "suspect", _("Suspect")
    WITNESS = "witness", _("Witness")
    WITNESS_WITH_DEFENCE = "witness_with_defence", _("Witness with the right to defence")
    DEFENDER = "defender", _("Defender")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
    CIVIL_PLAINTIFF = "civil_plaintiff", _("Civil plaintiff")
    CIVIL_DEFENDANT = "civil_defendant", _("Civil defendant")
    INTERPRETER = "interpreter", _("Interpreter")
    EXPERT = "expert", _("Expert")


class ParticipantStatus(models.TextChoices):
    ADMITTED = "admitted", _("admitted")


class Participant(models.Model):
    """A person (by IIN) or an organisation (by BIN) in a role in a case; `party` is the stable key
    used in act payloads ("iin:…" or "bin:…")."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    party = models.CharField(max_length=16)
    person = models.ForeignKey(
        "persons.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    legal_entity = models.ForeignKey(
        "persons.LegalEntity", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    role = models.CharField(_("role"), max_length=32, choices=ParticipantRole.choices)
    status = models.CharField(_("status"), max_length=32, choices=ParticipantStatus.choices)
    since_seq = models.PositiveIntegerField()

    class Meta:
        ordering: ClassVar = ["since_seq", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["case", "party", "role"], name="participant_unique")
        ]

    def __str__(self) -> str:
        who = self.person or self.legal_entity
        return f"{who} ({self.get_role_display()})"


class ParticipantStatusChange(models.Model):
    """The status history of a participant: one row per act that changed it."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=32, choices=ParticipantStatus.choices)
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["seq"]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.status} @{self.seq}"


class DeadlineState(models.TextChoices):
    RUNNING = "running", _("running")
    PAUSED = "paused", _("paused")
    MET = "met", _("met")
    BREACHED = "breached", _("breached")
    CANCELLED = "cancelled", _("cancelled")


OPEN_DEADLINE_STATES = (DeadlineState.RUNNING, DeadlineState.PAUSED)


class Deadline(models.Model):
    """A statutory clock: started by an act (or by a crime report before a case exists). The
    procedure engine computes and watches these; the rows exist from registration on."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="deadlines"
    )
    report = models.ForeignKey(
        "registry.CrimeReport",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
    )
    rule = models.CharField(_("rule"), max_length=32)  # catalogue id, e.g. "R01"
    article = models.CharField(_("article"), max_length=32)
    duty = models.CharField(_("duty"), max_length=200)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(max_length=16, choices=DeadlineState.choices)
    started_by_seq = models.PositiveIntegerField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The procedure engine's clock: `key` is unique within the case ("R39/iin:…"), `subject` the
    # party or act it concerns, `anchor_at` the moment the term is counted from, `term` the
    # pack's term ("48h", "2m", "now"), `in_force_since` the valid_from of the rule version.
    key = models.CharField(max_length=96, blank=True)
    subject = models.CharField(max_length=32, blank=True)
    anchor_at = models.DateTimeField(null=True, blank=True)
    term = models.CharField(max_length=16, blank=True)
    in_force_since = models.DateField(null=True, blank=True)
    responsible_role = models.CharField(max_length=32, blank=True)
    responsible = models.ForeignKey(
        Official, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # While paused (art. 192(3)): the time that was left when the clock stopped.
    remaining = models.DurationField(null=True, blank=True)
    # The watchdog: from `warn_at` the deadline is due soon; `escalation` counts the steps taken
    # (0 none, 1 warned, 2 breached: responsible and head told, 3 supervising prosecutor told).
    warn_at = models.DateTimeField(null=True, blank=True)
    escalation = models.PositiveSmallIntegerField(default=0)
    # A clock of a covert action: seen only by the officials named on its compartment.
    compartment = models.ForeignKey(
        "Compartment", on_delete=models.CASCADE, null=True, blank=True, related_name="deadlines"
    )

    class Meta:
        ordering: ClassVar = ["due_at"]
        # Only the watchdog's steps scan deadlines across cases; an index on (state, due_at)
        # beside these misled PostgreSQL into reading every overdue deadline for the breach step.
        indexes: ClassVar = [
            models.Index(
                fields=["warn_at"],
                condition=models.Q(state="running", escalation=0),
                name="deadline_warn_due",
            ),
            # Separate partial indexes for the breach step and the escalation step: with one
            # index over both, PostgreSQL misjudges how few rows each step matches.
            models.Index(
                fields=["due_at"],
                condition=models.Q(state="running", escalation__lt=2),
                name="deadline_breach_due",
            ),
            models.Index(
                fields=["due_at"],
                condition=models.Q(state="running", escalation=2),
                name="deadline_escalate_due",
            ),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["case", "key"],
                condition=~models.Q(key="") & models.Q(compartment__isnull=True),
                name="deadline_key_unique",
            ),
            models.UniqueConstraint(
                fields=["compartment", "key"],
                condition=models.Q(compartment__isnull=False),
                name="deadline_compartment_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def overdue(self) -> bool:
        """Still running after its due time (the procedure engine will escalate these)."""
        return self.state == DeadlineState.RUNNING and self.due_at < clock.now()


class Awaited(models.Model):
    """A request of a case awaiting agreement, approval or sanction: the queue of whoever must
    decide it, ordered by its statutory clock. A projection of the engine's open requests,
    written in the act's transaction; `closed_at` is set when the request is decided."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="awaited")
    request_seq = models.PositiveIntegerField()  # the act that opened the request
    kind = models.CharField(max_length=48)
    step = models.PositiveSmallIntegerField(default=0)
    role = models.CharField(max_length=32)  # as the pack names it: a role or a role group
    decision = models.CharField(max_length=16)  # agreement | approval | sanction
    article = models.CharField(max_length=64, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField()
    # The official the request is assigned to: the judge on duty, the procedural prosecutor;
    # null while it is the queue of an office or a unit.
    assignee = models.ForeignKey(
        Official, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # A request of a covert action: in the queues of the officials named on its compartment only.
    compartment = models.ForeignKey(
        "Compartment", on_delete=models.CASCADE, null=True, blank=True, related_name="awaited"
    )

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["case", "request_seq"],
                condition=models.Q(compartment__isnull=True),
                name="awaited_unique",
            ),
            models.UniqueConstraint(
                fields=["compartment", "request_seq"],
                condition=models.Q(compartment__isnull=False),
                name="awaited_compartment_unique",
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["assignee", "due_at"],
                condition=models.Q(closed_at__isnull=True),
                name="awaited_open_by_assignee",
            ),
            models.Index(
                fields=["role", "due_at"],
                condition=models.Q(closed_at__isnull=True),
                name="awaited_open_by_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.request_seq} {self.kind} → {self.role}"


class CourtAssignment(models.Model):
    """The trial judge a case was assigned to when it reached the court: the judge on duty
    (`DutyShift`) at the district court of the case's region at that moment."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="court_assignments")
    judge = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    court = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["case", "judge"], name="court_assignment_unique")
        ]
        indexes: ClassVar = [models.Index(fields=["judge", "-assigned_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.judge_id}"


class Compartment(models.Model):
    """The covert material of a case (arts 231-240): its own journal chain and its own part of
    the procedure — the covert action, its requests and its clocks. Only the officials named on
    it see it; for everyone else, the defence included (art. 70(2)(5)), it does not exist: the
    case's journal, counters and projections hold no trace of it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="compartments")
    number = models.PositiveIntegerField()  # 1, 2, … within the case
    opened_at = models.DateTimeField()
    # tergeu.procedure.state.ProcState's covert part as JSON: covert, requests, clocks.
    procedure = models.JSONField(default=dict, blank=True)
    last_seq = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        ordering: ClassVar = ["case_id", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["case", "number"], name="compartment_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/c{self.number}"


class CompartmentMember(models.Model):
    """An official named on a compartment: the requesting investigator, the heads of their
    unit, the authorised (procedural) prosecutor, the judge the sanction request went to."""

    compartment = models.ForeignKey(Compartment, on_delete=models.CASCADE, related_name="members")
    official = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=32)
    since = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["compartment", "official"], name="compartment_member_unique"
            )
        ]
        indexes: ClassVar = [models.Index(fields=["official"])]

    def __str__(self) -> str:
        return f"{self.compartment_id}: {self.official_id} ({self.role})"
