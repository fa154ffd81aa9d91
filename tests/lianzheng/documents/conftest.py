import subprocess
import tempfile

import pytest

from lianzheng.choices import CaseState, TalkType
from lianzheng.models import ConfidentialReport
from tests.workflow_helpers import advance, new_case

WHISTLEBLOWER = "举报人欧阳秘密"
CONTACT = "13800009999"
MATERIAL = "反映材料：某某收受购物卡三张"
OFFICE_PHONE = "0837-2822123"


@pytest.fixture
def office_phone(db):
    """The office has set its telephone, which every notice must give (R6.3, R8.1)."""
    from lianzheng.models import DocumentSettings

    document_settings = DocumentSettings.load()
    document_settings.contact_phone = OFFICE_PHONE
    document_settings.save()
    return OFFICE_PHONE


def _with_whistleblower(case):
    """Seed R7.4 data on the case, so every document test also proves it is left out."""
    ConfidentialReport.objects.create(
        case=case, whistleblower=WHISTLEBLOWER, contact=CONTACT, material=MATERIAL
    )
    return case


@pytest.fixture
def rectifying_case(cast, media, office_phone):
    case = _with_whistleblower(new_case(cast, TalkType.ADMONITION))
    return advance(cast, case, CaseState.RECTIFYING)


@pytest.fixture
def pre_appointment_case(cast, media, office_phone):
    case = _with_whistleblower(new_case(cast, TalkType.PRE_APPOINTMENT, subjects=[cast.staff2]))
    return advance(cast, case, CaseState.HELD)


def _poppler(command: list[str], pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        return subprocess.run(
            [*command, f.name, "-"] if command[0] == "pdftotext" else [*command, f.name],
            capture_output=True,
            check=True,
            text=True,
        ).stdout


def poppler_pages(pdf: bytes) -> list[str]:
    """Each page's text as poppler's pdftotext reads it, line by line as laid out."""
    return _poppler(["pdftotext", "-layout"], pdf).split("\f")[:-1]


def pdffonts(pdf: bytes) -> dict[str, tuple[str, bool]]:
    """poppler's pdffonts: each font's name (less the subset tag), its type, and if embedded."""
    found = {}
    for line in _poppler(["pdffonts"], pdf).splitlines()[2:]:
        name, kind, rest = line[:37].strip(), line[37:55].strip(), line[55:].split()
        found[name.partition("+")[2] or name] = (kind, rest[1] == "yes")
    return found
