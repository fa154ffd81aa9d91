import pytest


@pytest.fixture
def profile(db):
    """The install profile without demo data: regulation, grounds, groups, units."""
    from lianzheng.services.setup import setup_all

    return setup_all()


@pytest.fixture
def cast(profile):
    from tests.workflow_helpers import build_cast

    return build_cast()
