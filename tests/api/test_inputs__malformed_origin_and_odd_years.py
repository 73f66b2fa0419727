"""Hostile input found by the red team never gives a 500 (issue 8 item 6): an Origin or Referer header that is not
a parsable URL (an unclosed IPv6 bracket) on any state-changing request, and a year in a public path that the
calendar cannot represent."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("header", ["Origin", "Referer"])
@pytest.mark.parametrize("value", ["http://[bad", "http://[::1", "https://[::1]:x/", "http://]["])
def test_an_unparsable_origin_is_a_foreign_one__inputs_origin(client, http, header, value):
    # a cookie-less login, a web form and a Bearer-less API write: each is refused as cross-site, not a 500
    resp = client.post("/api/v1/auth/token", json={"username": "officer1", "password": "demo"}, headers={header: value})
    assert resp.status_code == 403, resp.get_data(as_text=True)[:300]
    assert resp.get_json()["errors"] == {"rule": "csrf_origin"}
    assert client.post("/login", data={"username": "officer1", "password": "demo"},
                       headers={header: value}).status_code == 403
    assert client.post("/logout", headers={header: value}).status_code == 403
    # with a Bearer token there is no ambient credential: the header does not matter
    assert http.call("GET", "/api/v1/me", "officer1", headers={header: value}).status_code == 200


@pytest.mark.parametrize("year", [0, 1, 2, 9, 1899])
def test_a_year_out_of_the_calendar_is_404__inputs_years(client, http, year):
    resp = client.get(f"/api/v1/public/statistics/{year}")
    assert resp.status_code == 404, resp.get_data(as_text=True)[:300]
    assert http.call("GET", f"/api/v1/statistics/{year}", "head1").status_code in (404, 422)
    assert client.get(f"/api/v1/public/statistics/{year}?org=nj-mzj").status_code == 404
