"""Web forms: they check the shape of what a person typed and turn it into the arguments of one
service call. The rules themselves (who may, when, whether the IIN is real) live in the
services, which every surface shares."""

from __future__ import annotations

from typing import Any, TypedDict

from django import forms
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from tergeu.accounts.models import (
    CONDUCTING_ROLES,
    EXECUTING_AGENCIES,
    INVESTIGATING_KINDS,
    PROSECUTOR_KINDS,
    Agency,
    Official,
    Role,
)
from tergeu.cases.law import pack
from tergeu.cases.models import Case, InvestigationForm, OffenceCategory, ParticipantRole, Stage
from tergeu.defence.services import SERVICE_KINDS
from tergeu.evidence.services import SERVICE_KINDS as EVIDENCE_KINDS
from tergeu.journal.kinds import TEXT_MAX
from tergeu.procedure.pack import choices
from tergeu.registry.models import RefusalGround, ReportSource, ReportStatus
from tergeu.registry.services import intake_agencies

ARTICLE = RegexValidator(r"^\d{1,3}(-\d{1,2})?$", _("An article number such as 188 or 99-1."))
SMALL_NUMBER = RegexValidator(r"^\d{1,2}$", _("One or two digits."))
IIN = RegexValidator(r"^\d{12}$", _("An IIN is 12 digits."))

CATEGORIES = [c for c in OffenceCategory.choices if c[0]]
FORMS_OF_INVESTIGATION = [c for c in InvestigationForm.choices if c[0]]


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's own date-and-time picker; the value is read in the current (legal) zone."""

    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class CaseSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Register number, IIN, name or words of the summary"),
            }
        ),
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("any stage")), *Stage.choices]
    )


class OfficialChoiceField(forms.ModelChoiceField[Official]):
    def label_from_instance(self, obj: Official) -> str:
        return obj.get_full_name() or obj.username


def _limit(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    """Narrow a model choice field to the choices that make sense for this case or user."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class QualificationFields(forms.Form):
    article = forms.CharField(label=_("Criminal Code article"), max_length=6, validators=[ARTICLE])
    part = forms.CharField(label=_("Part"), max_length=2, required=False, validators=[SMALL_NUMBER])
    paragraph = forms.CharField(
        label=_("Paragraph"), max_length=2, required=False, validators=[SMALL_NUMBER]
    )
    offence_category = forms.ChoiceField(label=_("Offence category"), choices=CATEGORIES)

    def qualification(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "article": data["article"],
            "part": data["part"],
            "paragraph": data["paragraph"],
            "offence_category": data["offence_category"],
        }


class PersonInput(TypedDict):
    iin: str
    last_name: str
    first_name: str
    patronymic: str


class PersonFields(forms.Form):
    # Looked up in the register of persons as it is typed (web/persons.py, via htmx).
    iin = forms.CharField(
        label=_("IIN"),
        max_length=12,
        validators=[IIN],
        widget=forms.TextInput(attrs={"data-lookup": "person"}),
    )
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)

    def person(self) -> PersonInput:
        data = self.cleaned_data
        return PersonInput(
            iin=data["iin"],
            last_name=data["last_name"],
            first_name=data["first_name"],
            patronymic=data["patronymic"],
        )


class ReportForm(PersonFields):
    """A crime report as entered in the КУИ (art. 180, 185)."""

    agency = forms.ModelChoiceField[Agency](
        label=_("Receiving body"), queryset=Agency.objects.none(), empty_label=None
    )
    source = forms.ChoiceField(label=_("Source"), choices=ReportSource.choices)
    summary = forms.CharField(
        label=_("Summary"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    event_place = forms.CharField(label=_("Place of the event"), max_length=300, required=False)
    event_time = forms.DateTimeField(
        label=_("Time of the event"), required=False, widget=DateTimeLocalInput()
    )
    # Shown only when reports alike were found: the registrar says it is another report.
    duplicate_confirmed = forms.BooleanField(
        label=_("This is a different report: enter it anyway"), required=False
    )
    field_order = ("agency", "source", "summary", "event_place", "event_time")

    def __init__(self, *args: Any, official: Official, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit(self, "agency", intake_agencies(official))
        # Official reports and media reports have no applicant (art. 180(1)).
        self.fields["iin"].required = False
        self.fields["iin"].label = _("Applicant's IIN")
        self.fields["iin"].help_text = _(
            "Required for statements; leave empty for an official's report or a media report."
        )

    def applicant(self) -> PersonInput | None:
        return self.person() if self.cleaned_data["iin"] else None


class RegisterForm(QualificationFields):
    """Registration in the ЕРДР: opens the case (art. 179(1), 180)."""

    decision = "register"
    title = _("Register in the unified register (ЕРДР)")
    summary = forms.CharField(
        label=_("Summary for the register"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave empty to use the report's summary."),
    )


class ForwardForm(forms.Form):
    """Forwarding without registration (179(4), 181(5))."""

    decision = "forward"
    title = _("Forward without registration")
    status = forms.ChoiceField(
        label=_("Forward"),
        choices=[
            (
                ReportStatus.FORWARDED_ADMINISTRATIVE.value,
                ReportStatus.FORWARDED_ADMINISTRATIVE.label,
            ),
            (ReportStatus.FORWARDED_AUDIT.value, ReportStatus.FORWARDED_AUDIT.label),
        ],
    )
    addressee = forms.CharField(label=_("Addressee"), max_length=300)
    reasons = forms.CharField(
        label=_("Reasons"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RefuseForm(forms.Form):
    """Not registering, on a ground of art. 179(1) paras 3–5."""

    decision = "refuse"
    title = _("Do not register")
    ground = forms.ChoiceField(label=_("Ground"), choices=RefusalGround.choices)
    reasons = forms.CharField(
        label=_("Reasons"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class TransferForm(forms.Form):
    """Transfer of the report to the competent investigating body."""

    decision = "transfer"
    title = _("Transfer by jurisdiction")
    to_agency = forms.ModelChoiceField[Agency](
        label=_("Investigating body"), queryset=Agency.objects.none()
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, from_agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bodies = Agency.objects.filter(kind__in=INVESTIGATING_KINDS).exclude(pk=from_agency.pk)
        _limit(self, "to_agency", bodies)


DECISION_FORMS: dict[str, type[forms.Form]] = {
    f.decision: f for f in (RegisterForm, ForwardForm, RefuseForm, TransferForm)
}


def decision_form(decision: str, report_agency: Agency, data: Any = None) -> forms.Form:
    form_class = DECISION_FORMS[decision]
    kwargs: dict[str, Any] = {"prefix": decision}
    if form_class is TransferForm:
        kwargs["from_agency"] = report_agency
    return form_class(data, **kwargs)


class ActForm(forms.Form):
    """A form that appends one act of `kind` to a case; `payload()` is the act's payload."""

    kind = ""

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.kind)
        super().__init__(*args, **kwargs)
        self.case = case

    def payload(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class NoteForm(ActForm):
    kind = "note"
    text = forms.CharField(
        label=_("Text"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class AcceptanceForm(ActForm):
    kind = "acceptance"
    investigator = OfficialChoiceField(label=_("Investigator"), queryset=Official.objects.none())
    form = forms.ChoiceField(label=_("Form of investigation"), choices=FORMS_OF_INVESTIGATION)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        investigators = (
            Official.objects.filter(
                appointments__agency_id=case.investigation_unit_id,
                appointments__role__in=CONDUCTING_ROLES,
                is_active=True,
            )
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        _limit(self, "investigator", investigators)

    def payload(self) -> dict[str, Any]:
        return {
            "investigator_id": self.cleaned_data["investigator"].pk,
            "form": self.cleaned_data["form"],
        }


class QualificationForm(ActForm, QualificationFields):
    kind = "qualification"

    def payload(self) -> dict[str, Any]:
        return self.qualification()


class ParticipantForm(ActForm, PersonFields):
    """Admission of a participant by IIN; a person new to the register needs names."""

    kind = "participant_admission"
    role = forms.ChoiceField(label=_("Role"), choices=ParticipantRole.choices)
    # Where the person receives copies of decisions and notices: their contact, not the act's.
    phone = forms.CharField(
        label=capfirst(_("mobile phone")),
        max_length=16,
        required=False,
        help_text=_("A phone number is written with its country code, e.g. +77011234567."),
    )
    email = forms.EmailField(label=capfirst(_("e-mail")), required=False)


class TransferActForm(ActForm):
    kind = "jurisdiction_transfer"
    to_unit = forms.ModelChoiceField[Agency](label=_("To unit"), queryset=Agency.objects.none())
    supervising_office = forms.ModelChoiceField[Agency](
        label=_("Supervising prosecutor's office"),
        queryset=Agency.objects.filter(kind__in=PROSECUTOR_KINDS),
        required=False,
        help_text=_("Leave empty for the office that supervises the receiving unit."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        units = Agency.objects.filter(kind__in=INVESTIGATING_KINDS)
        _limit(self, "to_unit", units.exclude(pk=case.investigation_unit_id))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit = data.get("to_unit")
        if unit is not None and data.get("supervising_office") is None:
            if unit.supervisor_id is None:
                self.add_error(
                    "supervising_office",
                    _("The receiving unit has no supervising office; name one."),
                )
            else:
                data["supervising_office"] = unit.supervisor
        return data

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "to_unit_id": data["to_unit"].pk,
            "supervising_office_id": data["supervising_office"].pk,
            "reason": data["reason"],
        }


class ProsecutorForm(ActForm):
    kind = "procedural_prosecutor_assignment"
    prosecutor = OfficialChoiceField(
        label=_("Procedural prosecutor"), queryset=Official.objects.none()
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        chain = [int(pk) for pk in case.supervising_office.path.strip("/").split("/") if pk]
        prosecutors = (
            Official.objects.filter(
                appointments__agency_id__in=chain,
                appointments__role=Role.PROSECUTOR,
                is_active=True,
            )
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        _limit(self, "prosecutor", prosecutors)

    def payload(self) -> dict[str, Any]:
        return {"prosecutor_id": self.cleaned_data["prosecutor"].pk}


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))


FIELD_LABELS = {
    "party": _("Person (IIN)"),
    "target": _("Person (IIN)"),
    "grounds": _("Grounds"),
    "ground": _("Ground"),
    "reasons": _("Reasons"),
    "detained_at": _("Actual time of detention"),
    "minor": _("The person is a minor"),
    "grave_exception": _("Listed grave case (72 hours)"),
    "until": _("Until"),
    "request": _("Request number (act)"),
    "outcome": _("Decision"),
    "covert": _("Covert action (act number)"),
    "item": _("Type (art. 231(1) item)"),
    "matter": _("Matter"),
    "identified_at": _("Property identified at"),
    "performed_at": _("Performed at"),
    "rehabilitating": _("Rehabilitating ground"),
    "fine_mrp": _("Fine (MRP)"),
    "victim_consent": _("The victim consents"),
    "route": _("Route"),
    "punishment": _("Punishment"),
    "by": _("Filed by"),
    "form": _("Form of investigation"),
    "text": _("Text"),
    "summary": _("Summary"),
    "act": _("Act annulled (its number)"),
    "term_months": _("Term (months)"),
    "term_days": _("Term (days)"),
    "term_hours": _("Term (hours)"),
    "institution_id": _("Executing institution"),
    "hearing_at": _("Date and time of the hearing"),
    "number": _("Item number"),
    "description": _("Description"),
    "nature": _("Nature"),
    "seal": _("Seal number"),
    "packaging": _("Packaging"),
    "to": _("To whom"),
    "expert": _("Expert"),
    "purpose": _("Purpose"),
    "filename": _("File"),
    "sha256": "SHA-256",
    # A field's words for one kind of act, where the field means something else there.
    "evidence_seizure.place": _("Where it was seized"),
    "exceptional": _("Exceptionally later than 15 days"),
    "place": _("Place of serving"),
}
# The words for a few choice values; the others read as their code with spaces.
CHOICE_LABELS = {
    "shortened": _("granted for a shorter term"),
    "trial": _("main trial"),
}


def field_label(kind: str, name: str) -> Any:
    """The words for a payload field of the pack, in the act of `kind` (translated when shown:
    the forms are made once, at start)."""
    label = FIELD_LABELS.get(f"{kind}.{name}") or FIELD_LABELS.get(name)
    return label if label is not None else name.replace("_", " ")


def choice_label(value: str) -> str:
    """The words for a choice value of the pack (the pack's texts are in the catalogue)."""
    return str(CHOICE_LABELS.get(value) or _(value.replace("_", " ")))


class PackActForm(ActForm):
    """A form generated from the act kind's payload declaration in the procedure pack."""

    fields_spec: dict[str, tuple[str, bool]] = {}  # noqa: RUF012 (set per subclass)

    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {}
        for name, (type_, _required) in self.fields_spec.items():
            value: Any = self.cleaned_data.get(name)
            if value in (None, "") and type_ != "bool":
                continue
            if isinstance(value, Agency):
                value = value.pk
            elif type_ == "party":
                value = f"iin:{value}"
            elif type_ == "datetime":
                value = value.isoformat()
            payload[name] = value
        return payload


def pack_form(kind: str, spec: dict[str, tuple[str, bool]]) -> type[PackActForm]:
    fields: dict[str, Any] = {"kind": kind, "fields_spec": spec}
    for name, (type_, required) in spec.items():
        label = field_label(kind, name)
        field: forms.Field
        values = choices(type_)
        if values:
            options: list[tuple[str, Any]] = [(v, choice_label(v)) for v in values]
            if not required:
                options = [("", "—"), *options]
            field = forms.ChoiceField(label=label, choices=options, required=required)
        elif name == "institution_id":
            # The institutions that execute sentences; the pack says which executes what.
            institutions = Agency.objects.filter(kind__in=EXECUTING_AGENCIES.values())
            field = forms.ModelChoiceField(
                label=label, required=required, queryset=institutions.order_by("name")
            )
        elif type_ == "party":
            field = forms.CharField(label=label, required=required, validators=[IIN], max_length=12)
        elif type_ == "datetime":
            field = forms.DateTimeField(
                label=label,
                required=required,
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
            )
        elif type_ in ("int", "seq"):
            field = forms.IntegerField(label=label, required=required, min_value=0)
        elif type_ == "bool":
            field = forms.BooleanField(label=label, required=False)
        elif type_ == "category":
            field = forms.ChoiceField(label=label, choices=CATEGORIES, required=required)
        else:
            field = forms.CharField(
                label=label,
                required=required,
                max_length=TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        fields[name] = field
    return type(f"{kind.title().replace('_', '')}Form", (PackActForm,), fields)


HAND_MADE: dict[str, type[ActForm]] = {
    f.kind: f
    for f in (
        NoteForm,
        AcceptanceForm,
        QualificationForm,
        ParticipantForm,
        TransferActForm,
        ProsecutorForm,
    )
}
# Registration has its own page (from a crime report); attachments their upload form; the
# defence's acts their services, which keep who defends whom (API: /api/v1/…/defence/); the
# evidence's acts theirs, which keep each item's chain of custody (API: /api/v1/…/evidence).
NOT_BY_FORM = {"registration", "attachment", *SERVICE_KINDS, *EVIDENCE_KINDS}
ACT_FORMS: dict[str, type[ActForm]] = {
    **HAND_MADE,
    **{
        code: pack_form(code, dict(versions[-1].payload))
        for code, versions in pack().acts.items()
        if code not in HAND_MADE and code not in NOT_BY_FORM
    },
}
