"""UI strings: zh-CN by default, English on ?lang=en (kept in the session)."""
from __future__ import annotations

from flask import request, session

STRINGS: dict[str, dict[str, str]] = {
    "app": {"zh": "三项制度执法平台", "en": "Sanxiang enforcement platform"},
    "login": {"zh": "登录", "en": "Log in"},
    "logout": {"zh": "退出", "en": "Log out"},
    "username": {"zh": "用户名", "en": "Username"},
    "password": {"zh": "密码", "en": "Password"},
    "inbox": {"zh": "待办任务", "en": "Inbox"},
    "mine": {"zh": "我的任务", "en": "My tasks"},
    "candidate": {"zh": "可认领任务", "en": "Open for my roles"},
    "task": {"zh": "任务", "en": "Task"},
    "case": {"zh": "案件", "en": "Case"},
    "role": {"zh": "角色", "en": "Role"},
    "assignee": {"zh": "办理人", "en": "Assignee"},
    "due": {"zh": "期限", "en": "Due"},
    "claim": {"zh": "认领", "en": "Claim"},
    "unclaim": {"zh": "退回", "en": "Unclaim"},
    "open": {"zh": "办理", "en": "Open"},
    "submit": {"zh": "提交", "en": "Submit"},
    "start_case": {"zh": "新建案件", "en": "Start a case"},
    "public": {"zh": "执法公示", "en": "Published decisions"},
    "no_tasks": {"zh": "暂无任务", "en": "No tasks"},
    "bad_login": {"zh": "用户名或密码错误", "en": "Wrong username or password"},
    "login_locked": {"zh": "登录失败次数过多，请稍后再试或联系管理员解除锁定",
                     "en": "Too many failed logins; try again later or ask an administrator to lift the lock"},
    "docs": {"zh": "接口文档", "en": "API docs"},
    "demo_note": {"zh": "演示账号密码均为 demo，仅供演示", "en": "Demo accounts use password 'demo' (demo only)"},
    "switch": {"zh": "English", "en": "中文"},
    "errors": {"zh": "请更正以下错误", "en": "Please correct these errors"},
    "warn_yellow": {"zh": "即将到期", "en": "due soon"},
    "warn_red": {"zh": "已超期", "en": "overdue"},
}


def lang() -> str:
    wanted = request.args.get("lang")
    if wanted in ("zh", "en"):
        session["lang"] = wanted
    return session.get("lang", "zh")


def t(key: str) -> str:
    return STRINGS.get(key, {}).get(lang(), key)
