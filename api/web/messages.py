"""The message catalogue: English engine and service messages in the page's language.

The JSON API speaks English by contract (docs/API.md); the pages show the same messages translated. ``translate``
tries an ordered table of patterns (the first full match wins) over the texts the engine and the services really
produce (definition problems of engine/definitions.py, engine/lint.py, engine/scripting.py, engine/xml.py, the
DMN checks; the verify problems of api/services/audit.py and engine/replay.py; the 404/409 messages of
api/services/*; the marshmallow field messages via api/web/forms.py). Named groups fill the template; a group
named ``what``, ``state``, ``kind`` or ``source`` is itself a word of a small vocabulary, ``detail`` is translated
again (messages nest: ``condition: syntax error: ...``), ``at`` is a stored UTC time shown in Beijing time. An
unknown message comes back as it is. English pages keep the English text (the field messages get their friendlier
wording from api/web/forms.py)."""
from __future__ import annotations

import re
from datetime import datetime

from engine.clock import BEIJING

from . import forms

#: words that stand in groups: group name → {English: Chinese}
WORDS: dict[str, dict[str, str]] = {
    "what": {"script": "脚本", "pre-script": "前置脚本", "post-script": "后置脚本", "condition": "条件表达式",
             "timer expression": "定时器表达式", "DMN input expression": "DMN 输入表达式",
             "DMN output entry": "DMN 输出项"},
    "state": {"ready": "待办", "completed": "已办结", "cancelled": "已撤销", "running": "办理中",
              "waiting": "等待中", "published": "已公示", "withdrawn": "已撤回", "corrected": "已更正",
              "pending": "待审核", "future": "未开始", "'running'": "办理中", "'completed'": "已办结",
              "'cancelled'": "已撤销"},
    "kind": {"bpmn": "流程", "dmn": "决策表", "form": "表单"},
    "source": {"in the database": "数据库中", "in the export file": "导出文件中"},
    "thing": {"import": "import 导入", "global": "global 声明", "nonlocal": "nonlocal 声明", "async code": "异步代码",
              "class definitions": "类定义", "match statements": "match 语句", "lambda": "lambda 表达式"},
}

_Q = r"'(?P<{}>[^']*)'"  # a quoted name


def _q(name: str) -> str:
    return _Q.format(name)


#: (pattern, zh template); the order matters: the first full match wins
_TABLE: tuple[tuple[str, str], ...] = (
    # --- definition files: XML and schema (engine/xml.py, engine/definitions.py) ------------------------------------
    (r"XML syntax error: (?P<detail>.*)", "XML 语法错误：{detail}"),
    (r"a DOCTYPE is not allowed in a diagram.*", "流程图中不允许 DOCTYPE 声明（实体和外部引用会被拒绝）"),
    (r"schema: Element '(?:\{[^}]*\})?(?P<el>[^']*)': This element is not expected\..*",
     "不符合架构：此处不应出现元素 {el}"),
    (r"schema: Element '(?:\{[^}]*\})?(?P<el>[^']*)', attribute '(?P<attr>[^']*)': The attribute '[^']*' is not "
     r"allowed\.", "不符合架构：元素 {el} 不允许有属性 {attr}"),
    (r"schema: Element '(?:\{[^}]*\})?(?P<el>[^']*)', attribute '(?P<attr>[^']*)': (?P<detail>.*)",
     "不符合架构：元素 {el} 的属性 {attr} 无效（{detail}）"),
    (r"schema: Element '(?:\{[^}]*\})?(?P<el>[^']*)': Missing child element\(s\)\..*", "不符合架构：元素 {el} 缺少子元素"),
    (r"schema: (?P<detail>.*)", "不符合 BPMN/DMN 架构：{detail}"),
    (r"sequence flow " + _q("flow") + r" comes from " + _q("ref") + r", which is not an element of process "
     + _q("proc"), "顺序流“{flow}”的起点“{ref}”不是流程“{proc}”中的元素"),
    (r"sequence flow " + _q("flow") + r" goes to " + _q("ref") + r", which is not an element of process "
     + _q("proc"), "顺序流“{flow}”的终点“{ref}”不是流程“{proc}”中的元素"),
    (r"process id " + _q("pid") + r" is also defined in (?P<other>.+?) \(line (?P<line>\d+)\): a process id may be "
     r"defined by one file only; rename one of them",
     "流程标识“{pid}”也在 {other}（第 {line} 行）中定义：一个流程标识只能由一个文件定义，请重命名其中之一"),
    (r"process id " + _q("pid") + r" is also defined in (?P<other>.+?): a process id may be defined by one file "
     r"only; rename one of them", "流程标识“{pid}”也在 {other} 中定义：一个流程标识只能由一个文件定义，请重命名其中之一"),
    (r"process id " + _q("pid") + r" is also defined in (?P<other>.+)", "流程标识“{pid}”也在 {other} 中定义"),
    (r"unknown file type \(expected \.bpmn, \.dmn or \.form\)", "未知的文件类型（应为 .bpmn、.dmn 或 .form）"),
    (r"expected a \.bpmn, \.dmn or \.form file", "应为 .bpmn、.dmn 或 .form 文件"),
    # --- forms (engine/definitions.py, engine/forms.py) --------------------------------------------------------------
    (r"form is nested deeper than (?P<n>\d+) levels", "表单嵌套超过 {n} 层"),
    (r"form is not valid JSON: (?P<detail>.*)", "表单不是有效的 JSON：{detail}"),
    (r"form must be a JSON object", "表单必须是 JSON 对象"),
    (r"top-level type must be 'default', got (?P<got>.*)", "表单顶层 type 必须为 'default'，实际为 {got}"),
    # --- scripts and expressions (engine/lint.py, engine/scripting.py) -----------------------------------------------
    (r"(?P<what>script|pre-script|post-script|condition|timer expression|DMN input expression|DMN output entry) "
     r"is empty", "{what}为空"),
    (r"(?P<what>script|pre-script|post-script|condition|timer expression|DMN input expression|DMN output entry): "
     r"(?P<detail>.*)", "{what}：{detail}"),
    (r"syntax error: (?P<detail>.*)", "语法错误：{detail}"),
    (r"invalid syntax\. Perhaps you forgot a comma\?", "无效的语法（可能缺少逗号）"),
    (r"invalid syntax", "无效的语法"),
    (r"'(?P<c>.)' was never closed", "“{c}”没有闭合"),
    (r"unmatched '(?P<c>.)'", "多余的“{c}”"),
    (r"closing parenthesis '(?P<c>.)' does not match opening parenthesis '(?P<o>.)'.*", "右括号“{c}”与左括号“{o}”不匹配"),
    (r"expected '(?P<c>[^']*)'", "缺少“{c}”"),
    (r"unterminated string literal \(detected at line (?P<n>\d+)\)", "字符串没有结束（第 {n} 行）"),
    (r"unexpected indent", "意外的缩进"),
    (r"unindent does not match any outer indentation level", "缩进与外层不一致"),
    (r"expected an indented block.*", "此处需要缩进的代码块"),
    (r"invalid decimal literal", "无效的数字写法"),
    (r"attribute " + _q("name") + r" is not allowed", "不允许使用属性“{name}”"),
    (r"name " + _q("name") + r" is not allowed", "不允许使用名称“{name}”"),
    (r"strings containing '__' are not allowed", "不允许使用包含“__”的字符串"),
    (r"(?P<thing>import|global|nonlocal|async code|class definitions|match statements|lambda) (?:is|are) not allowed",
     "不允许使用{thing}"),
    (r"(?P<detail>.+) exceeded its time limit of (?P<s>\S+) s", "{detail}超过了 {s} 秒的时间限制"),
    # --- tasks, lanes, forms and calls (engine/lint.py) ---------------------------------------------------------------
    (r"user task is not in any lane", "用户任务不在任何泳道中"),
    (r"user task sits in lane " + _q("lane") + r" \((?P<lane_id>[^,]*), line (?P<lane_line>\d+)\), which is not a "
     r"known role: name the lane after a role \((?P<known>.*)\)",
     "用户任务所在的泳道“{lane}”（{lane_id}，第 {lane_line} 行）不是已知角色：请按角色命名泳道（{known}）"),
    (r"user task has no formKey property", "用户任务没有 formKey 属性（未指定表单）"),
    (r"form " + _q("form") + r" does not exist in forms/", "表单“{form}”不存在"),
    (r"called process " + _q("key") + r" is not deployed", "调用的流程“{key}”尚未部署"),
    (r"decision " + _q("key") + r" is not deployed", "决策表“{key}”尚未部署"),
    (r"a decision task \(kind=decision\) must sit in the head \(负责人\) lane, not " + _q("lane") + r" \(APL 58\)",
     "决定任务（kind=decision）必须位于“负责人”泳道，而不是“{lane}”（行政处罚法第58条）"),
    (r"form " + _q("form") + r" records " + _q("key") + r": the task must carry kind=decision so the legal-review "
     r"gate applies \(APL 58\)", "表单“{form}”记录“{key}”：该任务必须设置 kind=decision，才能适用法制审核关口（行政处罚法第58条）"),
    (r"form " + _q("form") + r" records the on-site duties \((?P<duties>[^)]*)\): the task is an enforcement act .*",
     "表单“{form}”记录现场执法义务（{duties}）：该任务属于执法行为，必须设置 actKind 属性，才能适用两名执法人员、"
     "音像记录和现场执法义务规则（行政处罚法第42、55条）"),
    (r"a script sets " + _q("key") + r": decisions are made by the head .*",
     "脚本设置了“{key}”：执法决定只能由负责人在法制审核后通过决定任务作出，不能由脚本作出（行政处罚法第58条）"),
    # --- decision tables (engine/dmn_check.py, engine/dmn_cells.py) --------------------------------------------------
    (r"(?P<where>.+?): hit policy (?P<policy>\S+) is not run as DMN defines it .*; use one of (?P<allowed>.*)",
     "{where}：命中策略 {policy} 的执行方式与 DMN 的定义不同（引擎取第一条匹配的规则）；请使用 {allowed} 之一"),
    (r"(?P<where>.+?): rows (?P<a>.+?) and (?P<b>.+?) overlap under hit policy UNIQUE; both match when (?P<when>.*)",
     "{where}：规则 {a} 与 {b} 在命中策略 UNIQUE 下重叠，当 {when} 时两者都匹配"),
    (r"(?P<where>.+?): no row matches (?P<detail>.*)", "{where}：有输入没有任何规则匹配（{detail}）"),
    (r"(?P<where>.+?): (?P<n>\d+) input combinations, more than the (?P<max>\d+) that can be checked .*",
     "{where}：共有 {n} 种输入组合，超过可检查的 {max} 种；请将决策表拆分为较小的表"),
    # --- verification: the hash chain and the checkpoints (engine/history.py, api/services/checkpoints.py) -----------
    (r"expected seq (?P<a>\d+), found (?P<b>\d+)", "事件序号应为 {a}，实际为 {b}"),
    (r"prev_hash does not match the previous event", "前一哈希值与上一事件不符"),
    (r"hash does not match the event's content", "哈希值与事件内容不符"),
    (r"the instance's head is event (?P<head>\d+) but the history ends at event (?P<end>\d+): events were removed "
     r"or added", "案件记录的最新事件为第 {head} 号，但历史记录止于第 {end} 号：有事件被删除或添加"),
    (r"checkpoint (?P<id>\d+) \((?P<source>[^)]*)\) recorded event (?P<seq>\d+) of (?P<stream>\S+); it is gone",
     "校验点 {id}（{source}）记录了 {stream} 的第 {seq} 号事件，该事件已不存在"),
    (r"event (?P<seq>\d+) of (?P<stream>\S+) differs from the one checkpoint (?P<id>\d+) \((?P<source>[^)]*)\) "
     r"recorded", "{stream} 的第 {seq} 号事件与校验点 {id}（{source}）记录的不一致"),
    # --- verification: definitions, snapshots, replay (api/services/audit.py, engine/replay.py) ----------------------
    (r"definition file is missing", "流程定义文件已缺失"),
    (r"definition file was altered", "流程定义文件已被篡改"),
    (r"definition file was never deployed .*", "流程定义文件从未部署（定义事件流中没有部署事件提到它）"),
    (r"(?P<kind>bpmn|dmn|form) " + _q("key") + r" version (?P<v>\d+) has no deploy event",
     "{kind}“{key}”第 {v} 版没有部署事件"),
    (r"(?P<kind>bpmn|dmn|form) " + _q("key") + r" version (?P<v>\d+) differs from its deploy \(event (?P<seq>\d+)\) "
     r"in (?P<keys>.*)", "{kind}“{key}”第 {v} 版与其部署记录（第 {seq} 号事件）不一致：{keys}"),
    (r"(?P<kind>bpmn|dmn|form) " + _q("key") + r" version (?P<v>\d+) deployed by event (?P<seq>\d+) is missing",
     "第 {seq} 号事件部署的{kind}“{key}”第 {v} 版已缺失"),
    (r"snapshot is missing", "快照已缺失"),
    (r"snapshot was altered \(used by events (?P<seqs>.*)\)", "快照已被篡改（第 {seqs} 号事件使用）"),
    (r"not replayed: the definition files do not verify", "未重放：流程定义文件校验未通过"),
    (r"not replayed: process " + _q("key") + r" does not load from its files \((?P<err>\w+)\)",
     "未重放：流程“{key}”无法从其文件加载（{err}）"),
    (r"state after event (?P<seq>\d+) \((?P<type>[^)]*)\) differs: (?P<diff>.*)",
     "第 {seq} 号事件（{type}）之后的状态与重放结果不一致：{diff}"),
    (r"replay ran engine step (?P<type>\S+) " + _q("el") + r" after the last event",
     "重放在最后一个事件之后执行了引擎步骤 {type}“{el}”"),
    (r"replay ran engine step (?P<type>\S+) " + _q("el") + r" that was not recorded.*",
     "重放执行了未记录的引擎步骤 {type}“{el}”"),
    (r"recorded engine step (?P<type>\S+) " + _q("el") + r" did not happen in the replay",
     "记录的引擎步骤 {type}“{el}”在重放中没有发生"),
    (r"recorded (?P<t1>\S+) " + _q("e1") + r", replay did (?P<t2>\S+) " + _q("e2"),
     "记录为 {t1}“{e1}”，重放为 {t2}“{e2}”"),
    (r"task " + _q("el") + r" was completed but is not ready in the replay", "任务“{el}”已办结，但在重放中不处于待办状态"),
    (r"the history does not begin with instance_started \(found (?P<type>[^)]*)\)",
     "历史记录不以案件发起事件开始（实际为 {type}）"),
    (r"replay failed: (?P<detail>.*)", "重放失败：{detail}"),
    # --- verification: evidence and the instance row ------------------------------------------------------------------
    (r"altered", "文件已被篡改"),
    (r"missing", "文件已缺失"),
    (r"evidence item (?P<id>\d+) is on the case but no event recorded its upload.*",
     "证据 {id} 在案件中，但没有事件记录其上传（被添加，或从其他案件移入）"),
    (r"evidence item (?P<id>\d+) differs from its upload \(event (?P<seq>\d+)\) in (?P<keys>.*)",
     "证据 {id} 与其上传记录（第 {seq} 号事件）不一致：{keys}"),
    (r"evidence item (?P<id>\d+) recorded by event (?P<seq>\d+) is missing from the case.*",
     "第 {seq} 号事件记录的证据 {id} 已不在案件中（被删除，或移至其他案件）"),
    (r"the row's (?P<col>\w+) is (?P<row>.+), the history recorded (?P<hist>.+?): the case was moved behind the "
     r"application's back", "案件记录的 {col} 为 {row}，历史记录为 {hist}：案件被绕过系统移动"),
    (r"the row's (?P<col>\w+) is (?P<row>.+), the history recorded (?P<hist>.+)",
     "案件记录的 {col} 为 {row}，历史记录为 {hist}"),
    (r"the row's case data differs from the replayed history in (?P<keys>.*)", "案件数据与重放的历史记录不一致：{keys}"),
    (r"the row's (?P<col>\w+) is not the snapshot of the replayed history", "案件记录的 {col} 不是重放历史的快照"),
    (r"the row's saved workflow cannot be read: (?P<err>\w+)", "案件保存的流程状态无法读取（{err}）"),
    (r"the row's saved workflow differs from the replayed history: (?P<diff>.*)",
     "案件保存的流程状态与重放的历史记录不一致：{diff}"),
    (r"the row's status is (?P<state>.+), the history gives (?P<state2>.+)", "案件状态为“{state}”，历史记录给出的是“{state2}”"),
    (r"the row's title is not the case title in the replayed data", "案件标题与重放数据中的案件标题不一致"),
    # --- services: not found (404) ------------------------------------------------------------------------------------
    (r"instance (?P<id>\d+) not found", "案件 {id} 不存在"),
    (r"task (?P<id>\S+) not found", "任务 {id} 不存在"),
    (r"event (?P<seq>\d+) of instance (?P<id>\d+) not found", "案件 {id} 的第 {seq} 号事件不存在"),
    (r"process " + _q("key") + r" is not deployed.*", "流程“{key}”尚未部署"),
    (r"process " + _q("key") + r" is not started on its own", "流程“{key}”不能单独发起"),
    (r"definition " + _q("key") + r" version (?P<v>\d+) not found", "流程定义“{key}”第 {v} 版不存在"),
    (r"definition " + _q("key") + r" not found", "流程定义“{key}”不存在"),
    (r"disclosure (?P<id>\d+) not found", "公示 {id} 不存在"),
    (r"lottery plan (?P<id>\d+) not found", "抽查计划 {id} 不存在"),
    (r"no evidence (?P<sha>\w+)(?: on instance (?P<id>\d+))?", "证据不存在"),
    (r"snapshot blob (?P<sha>\w+) is missing", "快照数据已缺失"),
    (r"device " + _q("code") + r" is not in the equipment ledger", "设备“{code}”不在设备台账中"),
    (r"no organisation with code " + _q("code"), "不存在代码为“{code}”的单位"),
    (r"unknown setting " + _q("key") + r" \(known: .*\)", "未知的设置项“{key}”"),
    (r"no holiday schedule loaded for (?P<year>\d+).*", "尚未载入 {year} 年的节假日安排"),
    (r"no statistics report published for (?P<year>\d+)", "{year} 年的统计报告尚未发布"),
    (r"unknown user (?P<user>\S+)", "未知的用户 {user}"),
    # --- services: conflicts (409) ------------------------------------------------------------------------------------
    (r"task (?P<id>\S+) is (?P<state>\w+)", "任务 {id} 的状态为“{state}”，不能办理"),
    (r"task is already claimed by (?P<user>.+)", "任务已由 {user} 认领"),
    (r"instance (?P<id>\d+) is (?P<state>\w+); its record is closed to new evidence",
     "案件 {id} 的状态为“{state}”，不能再添加证据"),
    (r"instance (?P<id>\d+) is (?P<state>\w+)", "案件 {id} 的状态为“{state}”"),
    (r"instance (?P<id>\d+) has no fixed lottery plan to draw from", "案件 {id} 没有已确定的抽查计划，不能抽取"),
    (r"plan (?P<digest>\S+) was abandoned already", "抽查计划 {digest} 已被废止"),
    (r"case (?P<id>\d+) holds an open plan .*", "案件 {id} 已有未完成的抽查计划：须由负责人抽取或废止后才能确定新计划"),
    (r"the plan was drawn by a concurrent request; reload and retry", "该计划已被同时进行的请求抽取，请刷新后重试"),
    (r"disclosure (?P<id>\d+) is already withdrawn", "公示 {id} 已撤回"),
    (r"disclosure (?P<id>\d+) is withdrawn and cannot be corrected", "公示 {id} 已撤回，不能更正"),
    (r"disclosure (?P<id>\d+) was (?:already )?corrected by disclosure (?P<by>\d+).*", "公示 {id} 已由公示 {by} 更正"),
    (r"disclosure (?P<id>\d+) already has an open withdrawal \(case (?P<case>\d+)\).*",
     "公示 {id} 已有未办结的撤回案件（案件 {case}）"),
    (r"disclosure (?P<id>\d+) is (?P<state>\w+).*", "公示 {id} 的状态为“{state}”"),
    (r"device " + _q("code") + r" is already registered", "设备“{code}”已登记"),
    (r"device " + _q("code") + r" is checked out to (?P<user>\S+) since (?P<at>\S+); return it first",
     "设备“{code}”自 {at} 起由 {user} 借用，请先归还"),
    (r"device " + _q("code") + r" is not checked out", "设备“{code}”未被借用"),
    (r"certificate number (?P<n>.+) is already registered", "执法证号 {n} 已登记"),
    (r"'(?P<user>[^']*)' is not an active officer of the bureau the device belongs to",
     "“{user}”不是设备所属单位在职的执法人员"),
    (r"no deadline of case (?P<id>\d+) awaits a check against a loaded calendar", "案件 {id} 没有等待按已载入日历核对的期限"),
    (r"the holiday package already has the official (?P<year>\d+) schedule.*",
     "节假日数据包已包含 {year} 年的官方安排；单个日期请通过 calendar_overrides 设置更正"),
    (r"the (?P<year>\d+) report was published concurrently; reload", "{year} 年的报告已被同时发布，请刷新"),
    (r"evidence file (?P<sha>\w+) is missing from the store.*", "证据文件已从存储中缺失；本次查阅已记录，请告知管理员"),
    (r"evidence file (?P<sha>\w+) no longer matches its sha256.*", "证据文件与其哈希值不符，不予提供；本次查阅已记录，请告知管理员"),
    (r"the stored file for (?P<sha>\w+) no longer matches its hash.*", "已存储的文件与其哈希值不符，本次上传被拒绝；请告知管理员"),
    (r"the access log is busy; retry the read", "查阅记录正忙，请重试"),
    (r"(?:the instance was changed by another request|another request changed this record at the same time); "
     r"reload and retry", "其他请求同时修改了该记录，请刷新后重试"),
    (r"another request was changing the same records; retry", "其他请求正在修改相同的记录，请重试"),
    (r".+ collided with a concurrent change; reload and retry", "与同时进行的修改冲突，请刷新后重试"),
    # --- request validation (marshmallow, webargs) beyond the field messages of api/web/forms.py ----------------------
    (r"Length must be between (?P<a>\d+) and (?P<b>\d+)\.", "长度须在 {a} 至 {b} 之间"),
    (r"Shorter than minimum length (?P<n>\d+)\.", "长度不得少于 {n}"),
    (r"Longer than maximum length (?P<n>\d+)\.", "长度不得超过 {n}"),
    (r"Field may not be null\.", "此项不能为空"),
    (r"Invalid value\.", "取值无效"),
    (r"Invalid input type\.", "输入类型无效"),
    (r"Not a valid email address\.", "请输入有效的电子邮箱"),
    (r"String does not match expected pattern\.", "格式不正确"),
    (r"required", "此项为必填项"),
    (r"must be one of (?P<allowed>.*)", "须为以下之一：{allowed}"),
    (r"must be from (?P<a>\d+) to (?P<b>\d+)", "须在 {a} 至 {b} 之间"),
    (r"not a date: (?P<value>.*)", "不是有效的日期：{value}"),
    (r"(?P<value>\S+) is in the future \(today is (?P<today>\S+)\)", "{value} 晚于今天（今天是 {today}）"),
    (r"the request is invalid: (?P<names>.*)", "请求无效：{names}"),
    (r"form data is invalid", "表单数据无效"),
    (r"definition files are invalid", "流程定义文件无效"),
    (r"file: the file is empty|the file is empty", "文件为空"),
)

TABLE: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.DOTALL), zh) for p, zh in _TABLE)


def _local(value: str) -> str:
    try:
        return datetime.fromisoformat(value).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return value


def _word(name: str, value: str | None, lang: str) -> str:
    if value is None:
        return ""
    if name in ("detail", "diff"):
        return translate(value, lang)
    if name == "at":
        return _local(value)
    base = name.rstrip("0123456789")
    return WORDS.get(base, {}).get(value, WORDS.get(base, {}).get(value.strip("'"), value))


def match(message: str) -> tuple[re.Pattern[str], str] | None:
    """The table row that translates ``message`` (None: unknown, shown as it is)."""
    text = message.strip()
    for pattern, zh in TABLE:
        if pattern.fullmatch(text):
            return pattern, zh
    return None


def translate(message: str, lang: str) -> str:
    """``message`` (an engine or service message, English) in ``lang``: zh by the table, English as it is (field
    messages in the wording of api/web/forms.py); an unknown message is returned unchanged."""
    text = str(message).strip()
    field = forms.translate(text, lang)
    if field != text:
        return field
    if lang != "zh":
        return message
    for pattern, zh in TABLE:
        found = pattern.fullmatch(text)
        if found:
            return zh.format(**{k: _word(k, v, lang) for k, v in found.groupdict().items()})
    return message


def known(message: str, lang: str = "zh") -> bool:
    """Whether ``message`` has a translation (a field message or a row of the table)."""
    text = str(message).strip()
    return forms.translate(text, lang) != text or match(text) is not None


def translate_all(messages: list[str], lang: str) -> list[str]:
    return [translate(m, lang) for m in messages]


#: the form-js viewer's own English texts (it has no locale option) → string keys (api/web/strings/messages.py)
WIDGET_TEXTS: dict[str, str] = {
    "Select": "messages_widget_select", "Search": "messages_widget_search", "No results": "messages_widget_no_results",
    "All values selected": "messages_widget_all_selected", "Remove tag": "messages_widget_remove_tag",
}

