"""Reading attachments. The caller has passed the access gate for the case."""

from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils.translation import gettext as _

from tergeu.attachments.models import CaseAttachment
from tergeu.cases.models import Case
from tergeu.errors import NotFound


def attachment_download(case: Case, seq: int) -> FileResponse:
    """The file attached to `case` by act `seq`, as a download with its sniffed type."""
    att = CaseAttachment.objects.select_related("blob").filter(case=case, seq=seq).first()
    if att is None:
        raise NotFound(_("No such attachment."), code="attachment_not_found")
    response = FileResponse(
        default_storage.open(att.blob.storage_name, "rb"), as_attachment=True, filename=att.filename
    )
    response["Content-Type"] = att.blob.mime
    return response
