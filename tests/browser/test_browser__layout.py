"""Layout for everyone: zh-CN by default, the English switch survives login, a favicon, error pages as pages, and
the header usable at 1280×800 and at 375 px (it wraps into a menu, never one character per line)."""
from __future__ import annotations


def test_login_language_switch_survives_login_and_error_pages_are_pages(visit):
    tab = visit("officer")
    tab.goto("/login")
    assert tab.page.locator("html").get_attribute("lang") == "zh-CN"
    assert "登录" in tab.page.content()
    tab.check("login-zh")
    tab.goto("/login?lang=en")
    tab.check("login-en")
    tab.login("officer1")
    assert tab.page.locator("html").get_attribute("lang") == "en"
    assert "Inbox" in tab.page.inner_text("header")
    tab.check("inbox-en")
    resp = tab.goto("/no-such-page")
    assert resp.status == 404 and "text/html" in resp.headers["content-type"]
    assert "Page not found" in tab.page.inner_text("main")
    tab.check("error-404")
    icon = tab.page.request.get(tab.url("/favicon.ico"))
    assert icon.status == 200 and "svg" in icon.headers["content-type"]


def test_the_header_wraps_into_a_menu_at_375px(visit):
    tab = visit("phone", width=375, height=740)
    tab.login("officer1")
    header = tab.page.locator("header.top")
    assert header.bounding_box()["width"] <= 375
    toggle = tab.page.locator("#menu-toggle")
    assert toggle.is_visible()
    assert not tab.page.locator("#main-nav").is_visible()
    toggle.click()
    assert tab.page.locator("#main-nav").is_visible()
    brand = tab.page.locator("header.top .brand").bounding_box()
    assert brand["height"] < 40, "the brand wraps one character per line"
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways: {width}px"
    tab.check("inbox-375")
