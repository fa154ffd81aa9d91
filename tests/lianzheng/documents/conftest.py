import pytest

from lianzheng.choices import CaseState, TalkType
from lianzheng.models import ConfidentialReport
from tests.workflow_helpers import advance, new_case

WHISTLEBLOWER = "举报人欧阳秘密"
CONTACT = "13800009999"
MATERIAL = "反映材料：某某收受购物卡三张"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def _with_whistleblower(case):
    """Seed R7.4 data on the case, so every document test also proves it is left out."""
    ConfidentialReport.objects.create(
        case=case, whistleblower=WHISTLEBLOWER, contact=CONTACT, material=MATERIAL
    )
    return case


@pytest.fixture
def rectifying_case(cast, media):
    case = _with_whistleblower(new_case(cast, TalkType.ADMONITION))
    return advance(cast, case, CaseState.RECTIFYING)


@pytest.fixture
def pre_appointment_case(cast, media):
    case = _with_whistleblower(new_case(cast, TalkType.PRE_APPOINTMENT, subjects=[cast.staff2]))
    return advance(cast, case, CaseState.HELD)
