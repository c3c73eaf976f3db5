"""Bad input, class by class on every path by which it enters: each class of malformed data is
sent on each input path — the API, the pages' forms, uploads, bundles, imported certificates —
and must be refused in that path's one error shape, with nothing written (every table, the
register counters, the case heads and the stored files as they were).

The table's coverage is itself tested: every (path, class) pair has a row, or a reason in
NOT_APPLICABLE why that class cannot arrive on that path. Beside the table, the limits are
proven where they are declared: every text the API reads (its OpenAPI schema and every act
kind's payload) and every text field of every page's form has a maximum length, and the
verifier reads any change to a bundle's manifest as a finding or as an unreadable bundle, never
as a crash."""

from __future__ import annotations

import base64
import contextlib
import importlib
import io
import json
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from tergeu_verify import verify as bundle_verify
from tergeu_verify.cli import main as verifier_main

from tergeu.api.main import api
from tergeu.attachments.services import attachment_add
from tergeu.cases.models import Case
from tergeu.errors import AppError
from tergeu.journal.kinds import KINDS
from tergeu.signing.devca import crl_make
from tergeu.signing.services import certificate_register
from tests.conftest import VALID_IIN, VALID_IIN_2, ApiClient, World
from tests.test_attachments import PDF, PNG, stored_files
from tests.test_refusals import database_state, report_body
from tests.test_refusals import scene as refusals_scene  # noqa: F401  (a fixture)
from tests.test_signing import Pki, p12_certificate, pki, raw_cms, signers  # noqa: F401
from tests.test_verifier import Builder

CLASSES = {
    "nul": "NUL characters",
    "too_long": "over-long text",
    "encoding": "bytes that are not UTF-8, or text that is not Unicode",
    "date": "invalid dates and times",
    "iin": "invalid IINs",
    "register_number": "invalid register numbers",
    "too_large": "bodies and files over their size limit",
    "mislabelled": "data labelled as something it is not",
    "malformed": "data that cannot be parsed as its format",
}
PATHS = {
    "api": "the REST API's JSON bodies and queries",
    "form": "the pages' forms",
    "upload": "files uploaded through the API or a page",
    "bundle": "a case bundle given to the offline verifier",
    "certificate": "certificates and signatures brought in from outside",
}
NOT_APPLICABLE = {
    ("form", "mislabelled"): "a page's form carries text; the files it carries are uploads",
    ("upload", "date"): "an upload is its bytes and its name; the fields beside it are a form's",
    ("upload", "iin"): "an upload is its bytes and its name; the fields beside it are a form's",
    ("upload", "register_number"): "an upload is its bytes and its name, and goes to a case "
    "already open",
    ("bundle", "date"): "the verifier reads no date as input: an act's times are inside its "
    "hashed bytes, and changing them is a changed act (the too_long row)",
    ("bundle", "iin"): "the verifier reads no IIN as input: a document's signers are compared "
    "with the certificates in its signatures",
    ("certificate", "register_number"): "a certificate and a signature name no case",
}

FIELD_ERROR = 'class="field-error"'


@dataclass(frozen=True)
class Refused:
    """What a refusal said: its status (an exit status for the verifier), its code (the API's
    and the JSON endpoints' `error.code`; None for a page) and its message."""

    status: int
    code: str | None
    text: str


@dataclass
class Scene:
    world: World
    case_id: int
    tmp_path: Path
    api: dict[str, ApiClient]
    pages: dict[str, Client]
    settings: Any  # pytest-django's: what a row changes is restored after it
    monkeypatch: pytest.MonkeyPatch
    pki: Pki | None = None
    prepared: Any = None


@dataclass(frozen=True)
class Row:
    path: str
    klass: str
    name: str
    send: Callable[[Scene], Refused]
    expect: Refused
    prepare: Callable[[Scene], Any] | None = None  # done before the database is looked at
    certificates: bool = False  # needs the test PKI and the officials' IINs


# --- the adapters: one per error shape ----------------------------------------------------


def from_json(response: Any) -> Refused:
    """The one JSON error shape: {"error": {"code", "message", "details"}}."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert isinstance(body["error"]["details"], dict)
    assert body["error"]["message"]
    return Refused(response.status_code, body["error"]["code"], body["error"]["message"])


def from_page(response: Any) -> Refused:
    """A page refused: the form shown again with its errors (each beside its field, or above
    the form), or the error page; the message is every error shown."""
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    errors = [
        part.split(">", 1)[1].split("</", 1)[0]
        for marker in ('class="field-error"', 'class="form-error"', 'role="alert"')
        for part in html.split(marker)[1:]
    ]
    assert errors, "the page shows no error"
    return Refused(response.status_code, None, " ".join(e.strip() for e in errors))


def from_app_error(call: Callable[[], object]) -> Refused:
    try:
        with translation.override("en"):
            call()
    except AppError as exc:
        return Refused(exc.status, exc.code, str(exc.message))
    raise AssertionError("not refused")


def from_verifier(data: bytes, tmp_path: Path) -> Refused:
    """The offline verifier's command line: exit 2 for an unreadable bundle, 1 for a bundle
    with problems, each named."""
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = verifier_main([str(bundle)])
    return Refused(status, None, out.getvalue() + err.getvalue())


# --- the API ------------------------------------------------------------------------------


def api_post(who: str, path: str, body: Any) -> Callable[[Scene], Refused]:
    def send(s: Scene) -> Refused:
        return from_json(s.api[who].post(path.format(case=s.case_id), body(s.world)))

    return send


def api_raw(
    who: str, path: str, data: bytes | str, content_type: str = "application/json"
) -> Callable[[Scene], Refused]:
    def send(s: Scene) -> Refused:
        client = s.api[who]
        return from_json(
            client.client.post(
                "/api/v1" + path, data, content_type=content_type, headers=client.headers
            )
        )

    return send


def api_get(who: str, path: str) -> Callable[[Scene], Refused]:
    def send(s: Scene) -> Refused:
        client = s.api[who]
        return from_json(client.client.get("/api/v1" + path, headers=client.headers))

    return send


def report(**changes: Any) -> Callable[[World], dict[str, Any]]:
    return lambda w: report_body(w, **changes)


def applicant(**person: Any) -> Callable[[World], dict[str, Any]]:
    base = {"iin": VALID_IIN_2, "last_name": "Applicantova", "first_name": "Demo"}
    return lambda w: report_body(w, applicant={**base, **person})


def const(body: dict[str, Any]) -> Callable[[World], dict[str, Any]]:
    return lambda w: body


BREAK_GLASS_REASON = "The suspect named in a related case is about to be released today"
MB3 = 3 * 1024 * 1024

API_ROWS = [
    Row(
        "api",
        "nul",
        "summary_with_nul",
        api_post("rita", "/reports", report(summary="a\0b")),
        Refused(422, "nul_character", "NUL"),
    ),
    Row(
        "api",
        "nul",
        "query_with_nul",
        api_get("alice", "/cases?q=a%00"),
        Refused(422, "nul_character", "NUL"),
    ),
    Row(
        "api",
        "too_long",
        "summary_of_4001",
        api_post("rita", "/reports", report(summary="x" * 4001)),
        Refused(422, "invalid_input", "schema"),
    ),
    Row(
        "api",
        "too_long",
        "last_name_of_101",
        api_post("rita", "/reports", applicant(last_name="Ж" * 101)),
        Refused(422, "invalid_input", "schema"),
    ),
    Row(
        "api",
        "too_long",
        "query_of_201",
        api_get("alice", "/cases?q=" + "x" * 201),
        Refused(422, "invalid_input", "schema"),
    ),
    Row(
        "api",
        "encoding",
        "body_not_utf8",
        api_raw("rita", "/reports", b'{"summary": "\xff\xfe"}'),
        Refused(400, "http_error", "Cannot parse"),
    ),
    Row(
        "api",
        "encoding",
        "lone_surrogate",
        api_post("rita", "/reports", report(summary="a\ud800b")),
        Refused(422, "invalid_text", "surrogate"),
    ),
    Row(
        "api",
        "encoding",
        "query_not_utf8",
        api_get("alice", "/cases?q=%FF%FE"),
        Refused(422, "invalid_text", "UTF-8"),
    ),
    Row(
        "api",
        "date",
        "february_30",
        api_post("rita", "/reports", report(received_at="2026-02-30T10:00:00+05:00")),
        Refused(422, "invalid_input", "schema"),
    ),
    Row(
        "api",
        "date",
        "no_time_zone",
        api_post("rita", "/reports", report(received_at="2026-02-03T10:00:00")),
        Refused(422, "invalid_input", "schema"),
    ),
    Row(
        "api",
        "date",
        "birth_date_13th_month",
        api_post("rita", "/reports", applicant(birth_date="1990-13-01")),
        Refused(422, "invalid_input", "schema"),
    ),
    Row(
        "api",
        "iin",
        "check_digit",
        api_post("rita", "/reports", applicant(iin="900101300018")),
        Refused(422, "invalid_iin", "check digit"),
    ),
    Row(
        "api",
        "iin",
        "letters",
        api_post("rita", "/reports", applicant(iin="90010130001O")),
        Refused(422, "invalid_iin", "12 digits"),
    ),
    Row(
        "api",
        "iin",
        "defence_notice_client",
        api_post(
            "lena",
            "/defence/notices",
            const({"register_number": "267511000000001", "client_iin": "900230300017"}),
        ),
        Refused(422, "invalid_iin", "birth date"),
    ),
    Row(
        "api",
        "register_number",
        "break_glass_letters",
        api_post(
            "ivan",
            "/break-glass",
            const({"register_number": "2675I1000000001", "reason": BREAK_GLASS_REASON}),
        ),
        Refused(422, "invalid_register_number", "6 to 32 digits"),
    ),
    Row(
        "api",
        "register_number",
        "defence_notice_short",
        api_post(
            "lena", "/defence/notices", const({"register_number": "12345", "client_iin": VALID_IIN})
        ),
        Refused(422, "invalid_register_number", "6 to 32 digits"),
    ),
    Row(
        "api",
        "register_number",
        "break_glass_arabic_digits",
        api_post(
            "ivan",
            "/break-glass",
            const({"register_number": "٢٦٧٥١١٠٠٠٠٠٠٠٠١", "reason": BREAK_GLASS_REASON}),
        ),
        Refused(422, "invalid_register_number", "6 to 32 digits"),
    ),
    Row(
        "api",
        "too_large",
        "body_of_3_mb",
        api_raw("rita", "/reports", b'{"summary": "' + b"x" * MB3 + b'"}'),
        Refused(413, "too_large", "limit"),
    ),
    Row(
        "api",
        "mislabelled",
        "json_sent_as_text",
        api_raw("rita", "/reports", '{"summary": "x"}', "text/plain"),
        Refused(415, "unsupported_media_type", "application/json"),
    ),
    Row(
        "api",
        "mislabelled",
        "form_sent_to_json",
        api_raw("rita", "/reports", "summary=x", "application/x-www-form-urlencoded"),
        Refused(415, "unsupported_media_type", "application/json"),
    ),
    Row(
        "api",
        "malformed",
        "not_json",
        api_raw("rita", "/reports", "{not json"),
        Refused(400, "http_error", "Cannot parse"),
    ),
    Row(
        "api",
        "malformed",
        "json_array",
        api_raw("rita", "/reports", "[1, 2]"),
        Refused(422, "invalid_input", "schema"),
    ),
]


# --- the pages' forms ---------------------------------------------------------------------


def page_post(
    who: str, path: str, data: Callable[[Scene], Any], content_type: str | None = None
) -> Callable[[Scene], Refused]:
    def send(s: Scene) -> Refused:
        client = s.pages[who]
        url = path.format(case=s.case_id)
        if content_type is None:
            return from_page(client.post(url, data(s)))
        return from_page(client.post(url, data(s), content_type=content_type))

    return send


def report_form(**changes: Any) -> Callable[[Scene], dict[str, Any]]:
    def data(s: Scene) -> dict[str, Any]:
        return {
            "agency": s.world.unit.pk,
            "source": "written_statement",
            "summary": "A bicycle taken from a stairwell",
            "iin": VALID_IIN_2,
            "last_name": "Applicantova",
            "first_name": "Demo",
            "event_place": "",
            "event_time": "",
        } | changes

    return data


def fixed(data: Any) -> Callable[[Scene], Any]:
    return lambda s: data


URLENCODED = "application/x-www-form-urlencoded"

FORM_ROWS = [
    Row(
        "form",
        "nul",
        "summary_with_nul",
        page_post("rita", "/reports/new/", report_form(summary="a\0b")),
        Refused(422, None, "Null characters are not allowed"),
    ),
    Row(
        "form",
        "too_long",
        "summary_of_4001",
        page_post("rita", "/reports/new/", report_form(summary="x" * 4001)),
        Refused(422, None, "at most 4000 characters"),
    ),
    Row(
        "form",
        "too_long",
        "place_of_301",
        page_post("rita", "/reports/new/", report_form(event_place="x" * 301)),
        Refused(422, None, "at most 300 characters"),
    ),
    Row(
        "form",
        "encoding",
        "text_not_utf8",
        page_post(
            "rita",
            "/reports/new/",
            fixed(b"source=written_statement&summary=%FF%FEabc"),
            URLENCODED,
        ),
        Refused(400, None, "not in UTF-8"),
    ),
    Row(
        "form",
        "date",
        "february_30",
        page_post("rita", "/reports/new/", report_form(event_time="2026-02-30T10:00")),
        Refused(422, None, "Enter a valid date/time"),
    ),
    Row(
        "form",
        "iin",
        "check_digit",
        page_post("rita", "/reports/new/", report_form(iin="900101300018")),
        Refused(422, None, "check digit"),
    ),
    Row(
        "form",
        "register_number",
        "status_page_letters",
        page_post("anonymous", "/status/", fixed({"register_number": "12ab34", "iin": VALID_IIN})),
        Refused(422, None, "6 to 32 digits"),
    ),
    Row(
        "form",
        "register_number",
        "break_glass_letters",
        page_post(
            "ivan",
            "/break-glass/",
            fixed({"register_number": "2675I1000000001", "reason": BREAK_GLASS_REASON}),
        ),
        Refused(422, None, "6 to 32 digits"),
    ),
    Row(
        "form",
        "register_number",
        "audit_search_arabic_digits",
        lambda s: from_page(
            s.pages["audit"].get("/audit/", {"register_number": "٢٦٧٥١١٠٠٠٠٠٠٠٠١"})
        ),
        Refused(422, None, "6 to 32 digits"),
    ),
    Row(
        "form",
        "too_large",
        "form_of_3_mb",
        page_post("rita", "/reports/new/", fixed(b"summary=" + b"x" * MB3), URLENCODED),
        Refused(413, None, "larger than the limit"),
    ),
    Row(
        "form",
        "malformed",
        "unknown_choice",
        page_post("rita", "/reports/new/", report_form(source="rumour")),
        Refused(422, None, "Select a valid choice"),
    ),
]


# --- uploads ------------------------------------------------------------------------------


def api_upload(name: str, content: bytes, to: str = "attachments") -> Callable[[Scene], Refused]:
    def send(s: Scene) -> Refused:
        alice = s.api["alice"]
        data: dict[str, Any] = {"file": SimpleUploadedFile(name, content)}
        if to == "evidence":
            data |= {"description": "a phone's memory", "nature": "digital", "place": "office"}
        response = alice.client.post(f"/api/v1/cases/{s.case_id}/{to}", data, headers=alice.headers)
        return from_json(response)

    return send


def attach_directly(name: str, content: bytes) -> Callable[[Scene], Refused]:
    """The attachment service itself, as any other client of it (an import, a command) calls
    it: HTTP's own parser already strips a NUL from an uploaded file's name."""

    def send(s: Scene) -> Refused:
        case = Case.objects.get(pk=s.case_id)
        return from_app_error(
            lambda: attachment_add(
                case=case, actor=s.world.alice, stream=io.BytesIO(content), filename=name
            )
        )

    return send


def page_upload(name: str, content: bytes) -> Callable[[Scene], Refused]:
    def send(s: Scene) -> Refused:
        upload = SimpleUploadedFile(name, content)
        return from_page(
            s.pages["alice"].post(f"/cases/{s.case_id}/attachments/", {"file": upload})
        )

    return send


def small_limit(s: Scene) -> None:
    s.settings.ATTACHMENT_MAX_BYTES = 1000


CP1251_TEXT = "Протокол допроса свидетеля".encode("cp1251")

UPLOAD_ROWS = [
    Row(
        "upload",
        "nul",
        "text_with_nul",
        api_upload("statement.txt", b"text\0more"),
        Refused(415, "unsupported_media_type", "application/octet-stream"),
    ),
    Row(
        "upload",
        "nul",
        "page_text_with_nul",
        page_upload("statement.txt", b"text\0more"),
        Refused(415, None, "application/octet-stream"),
    ),
    Row(
        "upload",
        "nul",
        "name_with_nul",
        attach_directly("scan\0.pdf", PDF),
        Refused(422, "invalid_filename", "control characters"),
    ),
    Row(
        "upload",
        "too_long",
        "name_of_300",
        attach_directly("x" * 296 + ".pdf", PDF),
        Refused(422, "invalid_filename", "at most 255"),
    ),
    Row(
        "upload",
        "encoding",
        "text_in_cp1251",
        api_upload("statement.txt", CP1251_TEXT),
        Refused(415, "unsupported_media_type", "application/octet-stream"),
    ),
    Row(
        "upload",
        "encoding",
        "page_text_in_cp1251",
        page_upload("statement.txt", CP1251_TEXT),
        Refused(415, None, "application/octet-stream"),
    ),
    Row(
        "upload",
        "too_large",
        "over_the_limit",
        api_upload("big.txt", b"x" * 1001),
        Refused(413, "too_large", "limit of 1000 bytes"),
        prepare=small_limit,
    ),
    Row(
        "upload",
        "too_large",
        "page_over_the_limit",
        page_upload("big.txt", b"x" * 1001),
        Refused(413, None, "limit of 1000 bytes"),
        prepare=small_limit,
    ),
    Row(
        "upload",
        "too_large",
        "evidence_over_the_limit",
        api_upload("big.txt", b"x" * 1001, "evidence"),
        Refused(413, "too_large", "limit of 1000 bytes"),
        prepare=small_limit,
    ),
    Row(
        "upload",
        "mislabelled",
        "pdf_named_jpg",
        api_upload("photo.jpg", PDF),
        Refused(415, "mislabelled_file", "image/jpeg"),
    ),
    Row(
        "upload",
        "mislabelled",
        "text_named_pdf",
        page_upload("scan.pdf", b"not a pdf at all"),
        Refused(415, None, "application/pdf"),
    ),
    Row(
        "upload",
        "mislabelled",
        "png_named_docx",
        api_upload("statement.docx", PNG, "evidence"),
        Refused(415, "mislabelled_file", "image/png"),
    ),
    Row(
        "upload",
        "malformed",
        "empty_file",
        api_upload("empty.pdf", b""),
        Refused(422, "empty_file", "empty"),
    ),
    Row(
        "upload",
        "malformed",
        "page_without_a_file",
        lambda s: from_page(s.pages["alice"].post(f"/cases/{s.case_id}/attachments/", {})),
        Refused(422, None, "This field is required"),
    ),
]


# --- bundles ------------------------------------------------------------------------------


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def sound() -> Builder:
    return Builder(count=3)


def bundle(make: Callable[[], bytes]) -> Callable[[Scene], Refused]:
    return lambda s: from_verifier(make(), s.tmp_path)


def manifest_edited(edit: Callable[[dict[str, Any]], None]) -> Callable[[], bytes]:
    return lambda: sound().zip(edit)


def act_hash_of(text: str) -> Callable[[dict[str, Any]], None]:
    def edit(manifest: dict[str, Any]) -> None:
        manifest["acts"][0]["hash"] = text

    return edit


def register_number_of(number: str) -> Callable[[dict[str, Any]], None]:
    def edit(manifest: dict[str, Any]) -> None:
        manifest["case"]["register_number"] = number

    return edit


def set_path(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(manifest: dict[str, Any]) -> None:
        target: Any = manifest
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


def small_members(s: Scene) -> None:
    s.monkeypatch.setattr(bundle_verify, "MEMBER_MAX", 1000)


def duplicated_member() -> bytes:
    """A sound bundle with a second, different manifest.json after the first."""
    data = io.BytesIO(sound().zip())
    with warnings.catch_warnings(), zipfile.ZipFile(data, "a") as archive:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name it is told to write
        archive.writestr("manifest.json", b'{"format": "tergeu-bundle/1"}')
    return data.getvalue()


def cp1251_manifest() -> bytes:
    manifest = {"format": "tergeu-bundle/1", "case": {"register_number": "Дело"}}
    text = json.dumps(manifest, ensure_ascii=False)
    return zipped({"manifest.json": text.encode("cp1251")})


BUNDLE_ROWS = [
    Row(
        "bundle",
        "malformed",
        "a_name_twice",
        bundle(duplicated_member),
        Refused(2, None, "a name appears twice"),
    ),
    Row(
        "bundle",
        "nul",
        "nul_in_manifest",
        bundle(lambda: zipped({"manifest.json": b'{"format": "tergeu-bundle/1\0"}'})),
        Refused(2, None, "not a tergeu bundle"),
    ),
    Row(
        "bundle",
        "too_long",
        "act_hash_of_100000",
        bundle(manifest_edited(act_hash_of("0" * 100_000))),
        Refused(1, None, "do not hash to the act's hash"),
    ),
    Row(
        "bundle",
        "encoding",
        "manifest_in_cp1251",
        bundle(cp1251_manifest),
        Refused(2, None, "not a tergeu bundle"),
    ),
    Row(
        "bundle",
        "register_number",
        "another_number",
        bundle(manifest_edited(register_number_of("26757511000000I"))),
        Refused(1, None, "not '26757511000000I'"),
    ),
    Row(
        "bundle",
        "too_large",
        "member_over_the_limit",
        bundle(lambda: sound().zip()),
        Refused(2, None, "larger than 1000 bytes"),
        prepare=small_members,
    ),
    Row(
        "bundle",
        "mislabelled",
        "another_format",
        bundle(manifest_edited(set_path(["format"], "tergeu-bundle/9"))),
        Refused(2, None, "not a tergeu-bundle/1 bundle"),
    ),
    Row(
        "bundle",
        "mislabelled",
        "manifest_is_a_pdf",
        bundle(lambda: zipped({"manifest.json": PDF})),
        Refused(2, None, "not a tergeu bundle"),
    ),
    Row(
        "bundle",
        "malformed",
        "not_a_zip",
        bundle(lambda: PDF),
        Refused(2, None, "not a tergeu bundle"),
    ),
    Row(
        "bundle",
        "malformed",
        "acts_not_a_list",
        bundle(manifest_edited(set_path(["acts"], {"1": 1}))),
        Refused(2, None, "acts is not a list"),
    ),
    Row(
        "bundle",
        "malformed",
        "leaf_index_infinite",
        bundle(manifest_edited(set_path(["acts", 0, "leaf_index"], float("inf")))),
        Refused(2, None, "malformed"),
    ),
    Row(
        "bundle",
        "malformed",
        "canonical_not_a_name",
        bundle(manifest_edited(set_path(["acts", 0, "canonical"], [1]))),
        Refused(2, None, "malformed"),
    ),
]


# --- imported certificates ----------------------------------------------------------------


def challenged(s: Scene) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/login/certificate/challenge/")
    assert response.status_code == 200
    s.prepared = (client, base64.b64decode(response.json()["data"]))


def sign_in(cms: Callable[[Scene, bytes], str]) -> Callable[[Scene], Refused]:
    def send(s: Scene) -> Refused:
        client, challenge = s.prepared
        body = json.dumps({"cms": cms(s, challenge)})
        response = client.post("/login/certificate/", body, content_type="application/json")
        refused = from_json(response)
        assert client.get("/").status_code == 302, "signed in"
        return refused

    return send


def sign_in_raw(data: bytes) -> Callable[[Scene], Refused]:
    def send(s: Scene) -> Refused:
        client, _challenge = s.prepared
        return from_json(client.post("/login/certificate/", data, content_type="application/json"))

    return send


def signed_by(make: Callable[[Pki, World], Any]) -> Callable[[Scene, bytes], str]:
    def cms(s: Scene, challenge: bytes) -> str:
        assert s.pki is not None
        key = make(s.pki, s.world)
        return base64.b64encode(raw_cms(challenge, key)).decode()

    return cms


def keys_made(make: Callable[[Pki, World], Any]) -> Callable[[Scene], None]:
    """Make the key before the database is looked at (it writes nothing, but is slow)."""

    def prepare(s: Scene) -> None:
        challenged(s)
        client, challenge = s.prepared
        s.prepared = (client, challenge, signed_by(make)(s, challenge))

    return prepare


def sign_in_prepared(s: Scene) -> Refused:
    client, _challenge, cms = s.prepared
    body = json.dumps({"cms": cms})
    refused = from_json(client.post("/login/certificate/", body, content_type="application/json"))
    assert client.get("/").status_code == 302, "signed in"
    return refused


def register_pem(pem: Callable[[Scene], bytes]) -> Callable[[Scene], Refused]:
    return lambda s: from_app_error(
        lambda: certificate_register(official=s.world.alice, pem=pem(s))
    )


def crl_labelled_certificate(s: Scene) -> bytes:
    assert s.pki is not None
    crl = crl_make(s.pki.root, {}, this_update=s.pki.now, next_update=s.pki.now + timedelta(days=1))
    der = crl.public_bytes(serialization.Encoding.DER)
    return (
        b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"
    )


EXPIRED = (timedelta(days=-400), timedelta(days=-35))

CERTIFICATE_ROWS = [
    Row(
        "certificate",
        "nul",
        "cms_with_nul",
        sign_in(lambda s, c: "MIIB\0AAA"),
        Refused(422, "cms_invalid", "base64"),
        prepare=challenged,
    ),
    Row(
        "certificate",
        "too_long",
        "cms_of_70000",
        sign_in(lambda s, c: "A" * 70_000),
        Refused(422, "cms_too_large", "longer than 65536"),
        prepare=challenged,
    ),
    Row(
        "certificate",
        "encoding",
        "body_not_utf8",
        sign_in_raw(b'{"cms": "\xff\xfe"}'),
        Refused(400, "invalid_json", "UTF-8"),
        prepare=challenged,
    ),
    Row(
        "certificate",
        "date",
        "expired_certificate",
        sign_in_prepared,
        Refused(422, "certificate_expired", "expired"),
        prepare=keys_made(lambda p, w: p.key(w.alice, valid=EXPIRED)),
        certificates=True,
    ),
    Row(
        "certificate",
        "date",
        "not_yet_valid_certificate",
        sign_in_prepared,
        Refused(422, "certificate_not_yet_valid", "valid only from"),
        prepare=keys_made(
            lambda p, w: p.key(w.alice, valid=(timedelta(days=2), timedelta(days=30)))
        ),
        certificates=True,
    ),
    Row(
        "certificate",
        "iin",
        "certificate_iin_check_digit",
        sign_in_prepared,
        Refused(403, "certificate_not_registered", "No official holds"),
        prepare=keys_made(lambda p, w: p.key(iin="900101300018")),
        certificates=True,
    ),
    Row(
        "certificate",
        "iin",
        "registered_with_another_iin",
        register_pem(lambda s: p12_pem(pki_of(s).key(iin=VALID_IIN_2))),
        Refused(422, "certificate_wrong_holder", "IIN"),
        certificates=True,
    ),
    Row(
        "certificate",
        "too_large",
        "body_of_3_mb",
        sign_in_raw(b'{"cms": "' + b"A" * MB3 + b'"}'),
        Refused(413, "too_large", "limit"),
        prepare=challenged,
    ),
    Row(
        "certificate",
        "mislabelled",
        "crl_labelled_certificate",
        register_pem(crl_labelled_certificate),
        Refused(422, "certificate_corrupt", "not an X.509 certificate"),
        certificates=True,
    ),
    Row(
        "certificate",
        "mislabelled",
        "form_sent_to_sign_in",
        lambda s: from_json(s.prepared[0].post("/login/certificate/", {"cms": "AAAA"})),
        Refused(415, "unsupported_media_type", "JSON"),
        prepare=challenged,
    ),
    Row(
        "certificate",
        "malformed",
        "cms_not_der",
        sign_in(lambda s, c: base64.b64encode(b"not a signature").decode()),
        Refused(422, "cms_corrupt", ""),
        prepare=challenged,
    ),
    Row(
        "certificate",
        "malformed",
        "pem_of_garbage",
        register_pem(lambda s: b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        Refused(422, "certificate_corrupt", "not an X.509 certificate"),
    ),
]


def pki_of(s: Scene) -> Pki:
    assert s.pki is not None
    return s.pki


def p12_pem(p12: Any) -> bytes:
    return p12_certificate(p12).public_bytes(serialization.Encoding.PEM)


ROWS = API_ROWS + FORM_ROWS + UPLOAD_ROWS + BUNDLE_ROWS + CERTIFICATE_ROWS


# --- the table ----------------------------------------------------------------------------


@pytest.fixture
def bad_input_scene(
    world: World,
    refusals_scene: dict[str, int],  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Scene:
    """A registered case Alice investigates (tests.test_refusals.scene), every official's API
    client and signed-in page client made before anything is counted."""
    lena = world.lawyer()
    auditor = World.official("audrey", world.gpo, "auditor")
    officials = {"alice": world.alice, "rita": world.rita, "ivan": world.ivan, "lena": lena}
    api_clients = {}
    for name, official in officials.items():
        client = ApiClient(official)
        client.headers["Accept-Language"] = "en"
        api_clients[name] = client
    pages = {"anonymous": Client(HTTP_ACCEPT_LANGUAGE="en")}
    for name, official in {**officials, "audit": auditor}.items():
        page = Client(HTTP_ACCEPT_LANGUAGE="en")
        page.force_login(official)
        pages[name] = page
    case_id = refusals_scene["case_id"]
    return Scene(world, case_id, tmp_path, api_clients, pages, settings, monkeypatch)


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.path}-{r.klass}-{r.name}" for r in ROWS])
def test_bad_input_is_refused_and_writes_nothing(
    row: Row,
    bad_input_scene: Scene,
    request: pytest.FixtureRequest,
) -> None:
    s = bad_input_scene
    if row.certificates:
        s.pki = request.getfixturevalue("pki")
        request.getfixturevalue("signers")
    if row.prepare is not None:
        row.prepare(s)
    before, files = database_state(), stored_files()

    refused = row.send(s)

    assert refused.status == row.expect.status, refused
    assert refused.code == row.expect.code, refused
    assert row.expect.text in refused.text, refused
    assert database_state() == before
    assert stored_files() == files


def test_every_class_is_proven_on_every_path() -> None:
    proven = {(row.path, row.klass) for row in ROWS}
    assert {row.path for row in ROWS} <= PATHS.keys()
    assert {row.klass for row in ROWS} <= CLASSES.keys()
    for path in PATHS:
        for klass in CLASSES:
            pair = (path, klass)
            assert (pair in proven) != (pair in NOT_APPLICABLE), (
                f"{path} × {klass}: needs a row, or a reason why it cannot arrive"
                if pair not in proven
                else f"{path} × {klass}: has rows and is also marked not applicable"
            )


def test_every_refusal_the_api_gives_here_is_declared() -> None:
    """Each status the API rows answer is in the OpenAPI schema of every operation (the
    statuses every endpoint may answer, `errors()` in api/schemas.py)."""
    schema = api.get_openapi_schema()
    statuses = {row.expect.status for row in API_ROWS}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = {int(status) for status in operation["responses"]}
            missing = {s for s in statuses if s not in declared and s in (400, 413, 415, 422)}
            assert not missing, f"{method.upper()} {path} does not declare {missing}"


# --- the limits where they are declared ---------------------------------------------------


def _unbounded(schema: dict[str, Any], where: str, defs: dict[str, Any]) -> Iterator[str]:
    """Every string in `schema` that has no maximum length: no maxLength, no enum, no
    date format and no anchored pattern of bounded repetition."""
    if "$ref" in schema:
        yield from _unbounded(defs[schema["$ref"].split("/")[-1]], where, defs)
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            yield from _unbounded(sub, where, defs)
    kind = schema.get("type")
    if kind == "string":
        pattern = schema.get("pattern", "")
        bounded = (
            "maxLength" in schema
            or "enum" in schema
            or "const" in schema
            or schema.get("format") in ("date-time", "date", "binary")
            or (
                pattern.startswith("^")
                and pattern.endswith("$")
                and not any(c in pattern for c in "*+")
            )
        )
        if not bounded:
            yield where
    elif kind == "object":
        for name, sub in schema.get("properties", {}).items():
            yield from _unbounded(sub, f"{where}.{name}", defs)
        if schema.get("additionalProperties") not in (None, False):
            yield f"{where}.*"
    elif kind == "array":
        yield from _unbounded(schema.get("items", {}), f"{where}[]", defs)


# Objects whose keys the operation does not fix: an act's payload, checked against its kind's
# schema (each kind's strings are bounded: the test below), and a custody step's fields, which
# become such a payload.
OPEN_OBJECTS = {
    "POST /api/v1/cases/{case_id}/acts body.payload.*",
    "POST /api/v1/cases/{case_id}/compartments/{number}/acts body.payload.*",
    "POST /api/v1/cases/{case_id}/evidence/{number}/custody body.fields.*",
}


def test_every_text_the_api_reads_has_a_maximum_length() -> None:
    schema = api.get_openapi_schema()
    defs = schema["components"]["schemas"]
    found: list[str] = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                found += _unbounded(parameter["schema"], f"{where} ?{parameter['name']}", defs)
            for content in operation.get("requestBody", {}).get("content", {}).values():
                found += _unbounded(content["schema"], f"{where} body", defs)
    assert set(found) == OPEN_OBJECTS


def test_every_text_of_every_act_kind_has_a_maximum_length() -> None:
    found: list[str] = []
    for code, kind in KINDS.items():
        schema = kind.schema.model_json_schema()
        found += _unbounded(schema, code, schema.get("$defs", {}))
    assert found == []


def _form_classes() -> Iterator[type[forms.BaseForm]]:
    for module in (
        "tergeu.web.forms", "tergeu.web.audit", "tergeu.web.defence", "tergeu.web.evidence",
        "tergeu.web.covert", "tergeu.web.statistics", "tergeu.web.two_factor",
        "tergeu.public.forms",
    ):  # fmt: skip
        importlib.import_module(module)
    pending: list[type[forms.BaseForm]] = [forms.BaseForm]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("tergeu."):
                yield sub


def test_every_text_field_of_every_form_has_a_maximum_length() -> None:
    classes = set(_form_classes())
    assert len(classes) > 20  # the forms were found
    unbounded = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in classes
        for name, form_field in getattr(form, "base_fields", {}).items()
        if isinstance(form_field, forms.CharField) and form_field.max_length is None
    ]
    assert unbounded == []


# --- the verifier never crashes on a manifest --------------------------------------------

# Values that break a reader's assumptions: each kind of JSON value, and the edges of numbers
# (Python's JSON reads Infinity and NaN, and integers of any size).
EDGES = [None, True, 0, -1, 10**30, 1.5, float("inf"), float("nan"), "", "x", [], {}, [1], {"a": 1}]
JSON_VALUES = st.sampled_from(EDGES) | st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


SOUND = Builder(count=2)
SOUND_MANIFEST: dict[str, Any] = {}
SOUND.zip(lambda m: SOUND_MANIFEST.update(json.loads(json.dumps(m))))
SOUND_PATHS = [p for p in _paths(SOUND_MANIFEST) if p]


@hypothesis_settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.sampled_from(SOUND_PATHS), value=JSON_VALUES)
def test_any_change_to_a_manifest_is_a_finding_or_unreadable(
    where: tuple[Any, ...], value: Any
) -> None:
    """A value anywhere in the manifest replaced by any JSON value (Infinity and NaN among
    them, as Python's JSON reads them): the verifier answers with a report or refuses the
    bundle as unreadable; nothing else escapes it."""
    manifest = json.loads(json.dumps(SOUND_MANIFEST))
    set_path(list(where), value)(manifest)
    members = {"manifest.json": json.dumps(manifest).encode(), **SOUND.files}
    with contextlib.suppress(bundle_verify.Unreadable):
        bundle_verify.verify_bundle(zipped(members))


def test_each_edge_value_anywhere_in_a_manifest_is_a_finding_or_unreadable() -> None:
    """Every place of the manifest × every edge value, exhaustively."""
    for where in SOUND_PATHS:
        for value in EDGES:
            manifest = json.loads(json.dumps(SOUND_MANIFEST))
            set_path(list(where), value)(manifest)
            members = {"manifest.json": json.dumps(manifest).encode(), **SOUND.files}
            try:
                bundle_verify.verify_bundle(zipped(members))
            except bundle_verify.Unreadable:
                pass
            except Exception as exc:  # noqa: BLE001  (any other is the defect looked for)
                raise AssertionError(f"{where} = {value!r}: {exc!r}") from exc
