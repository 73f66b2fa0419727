"""Strings of the message catalogue (api/web/messages.py) and the error pages."""
from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "messages_bad_request": {"zh": "请求格式不正确：须提供消息列表。", "en": "Malformed request: a list of messages is expected."},
    "messages_widget_select": {"zh": "请选择", "en": "Select"},
    "messages_widget_search": {"zh": "搜索", "en": "Search"},
    "messages_widget_no_results": {"zh": "没有匹配的选项", "en": "No results"},
    "messages_widget_all_selected": {"zh": "已全部选择", "en": "All values selected"},
    "messages_widget_remove_tag": {"zh": "移除", "en": "Remove tag"},
}
