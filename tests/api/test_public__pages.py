"""The public page (no login): status of each decision, search, links to powers and officers (docs/DOMAIN.md §1.6 Platform)."""
from __future__ import annotations

import uuid

from api.registry.seed import seed_powers
from api.services import disclosures as service
from tests.api.test_public__disclosures import further, in_app, published


def test_public_page_shows_withdrawn_with_reason_and_corrected__APL_48(app, client, http):
    token = uuid.uuid4().hex[:10]
    withdrawn = published(app, http, case_title=f"撤回案{token}")
    corrected = published(app, http, case_title=f"更正案{token}")
    in_app(app, service.withdraw, withdrawn["id"], f"复议撤销{token}", "revoked", "publicity1", None)
    new_id = in_app(app, service.correct, corrected["id"], further(corrected["masked_text"]), f"文号有误{token}", "publicity1", None)
    page = client.get(f"/public?q={token}").get_data(as_text=True)
    assert "已撤回" in page and f"复议撤销{token}" in page and "决定已撤销" in page
    assert "已更正" in page and f"#{new_id}" in page and f"文号有误{token}" in page
    assert "宁晋县民族宗教事务局" in page
    only = client.get(f"/public?q={token}&status=withdrawn").get_data(as_text=True)
    assert f"撤回案{token}" in only and f"更正案{token}" not in only


def test_public_page_searches_by_category_and_date(app, client, http):
    token = uuid.uuid4().hex[:10]
    published(app, http, case_title=f"许可案{token}", act_type="permit")
    published(app, http, case_title=f"处罚案{token}", act_type="penalty")
    page = client.get(f"/public?q={token}&category=permit").get_data(as_text=True)
    assert f"许可案{token}" in page and f"处罚案{token}" not in page
    none = client.get(f"/public?q={token}&date_to=2000-01-01").get_data(as_text=True)
    assert f"许可案{token}" not in none
    bad = client.get(f"/public?q={token}&date_from=yesterday")
    assert bad.status_code == 200 and "YYYY-MM-DD" in bad.get_data(as_text=True)
    english = client.get(f"/public?q={token}&lang=en").get_data(as_text=True)
    assert "Permit" in english
    client.get("/public?lang=zh")


def test_powers_and_officers_pages__DOMAIN_1_before(app, client):
    with app.app_context():
        seed_powers()
    page = client.get("/public").get_data(as_text=True)
    assert "/public/powers" in page and "/public/officers" in page
    powers = client.get("/public/powers")
    assert powers.status_code == 200
    text = powers.get_data(as_text=True)
    assert "宗教活动场所登记" in text and "行政复议" in text
    officers = client.get("/public/officers")
    assert officers.status_code == 200 and "HB-NJ-2024-0001" in officers.get_data(as_text=True)
