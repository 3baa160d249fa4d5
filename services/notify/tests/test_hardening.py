"""A page beyond any bound is a 422 naming page, never a 500 (issue 8, item 6). Both stacks."""

from conftest import service_app
from services.notify.service import SERVICE
from tests.support.stack import Stack
from tests.support.tokens import unit_officer


def test_the_inbox_bounds_its_pages(stack: Stack) -> None:
    client = service_app(stack, SERVICE).test_client()
    headers = unit_officer("stp-01")
    huge = client.get("/inbox?page=200000000000000000", headers=headers)
    assert huge.status_code == 422 and huge.mimetype == "application/problem+json"
    assert huge.get_json()["type"] == "urn:thidua:problem:validation-failed"
    assert list(huge.get_json()["errors"]["query"]) == ["page"]
    far = client.get("/inbox?page=1000000&page_size=200", headers=headers)
    assert far.status_code == 200 and far.get_json()["items"] == []
