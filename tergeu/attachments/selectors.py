"""Reading attachments. The caller has passed the access gate for the case."""

from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils.translation import gettext as _

from tergeu.accounts.models import Official
from tergeu.attachments.models import CaseAttachment
from tergeu.cases.models import Case
from tergeu.defence.disclosure import disclosed_act_check
from tergeu.errors import NotFound


def attachment_download(case: Case, seq: int, *, reader: Official, surface: str) -> FileResponse:
    """The file attached to `case` by act `seq`, as a download with its sniffed type. A lawyer
    reading as the defence gets only the files of acts disclosed to them (logged)."""
    missing = NotFound(_("No such attachment."), code="attachment_not_found")
    disclosed_act_check(
        reader, case, seq, surface=surface, action="download_attachment", missing=missing
    )
    att = CaseAttachment.objects.select_related("blob").filter(case=case, seq=seq).first()
    if att is None:
        raise missing
    response = FileResponse(
        default_storage.open(att.blob.storage_name, "rb"), as_attachment=True, filename=att.filename
    )
    response["Content-Type"] = att.blob.mime
    return response
