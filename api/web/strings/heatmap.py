"""UI strings of the heatmap page and of the version comparison's details."""
from __future__ import annotations

STRINGS = {
    "heatmap_title": {"zh": "{process} 第 {version} 版 运行热力图", "en": "{process} version {version}: heatmap"},
    "heatmap_link": {"zh": "热力图", "en": "Heatmap"},
    "heatmap_scope": {"zh": "统计范围：{org} 的案件（截至 {as_of}）", "en": "Cases of {org} (as of {as_of})"},
    "heatmap_cases": {"zh": "案件数", "en": "Cases"},
    "heatmap_active": {"zh": "当前停留", "en": "Now here"},
    "heatmap_passed": {"zh": "已经过", "en": "Passed"},
    "heatmap_completions": {"zh": "完成次数", "en": "Completions"},
    "heatmap_median": {"zh": "停留时间中位数", "en": "Median time here"},
    "heatmap_none": {"zh": "—", "en": "—"},
    "heatmap_minutes": {"zh": "分钟", "en": "min"},
    "heatmap_hours": {"zh": "小时", "en": "h"},
    "heatmap_days": {"zh": "天", "en": "d"},
    "heatmap_seconds": {"zh": "秒", "en": "s"},
    "heatmap_legend": {"zh": "颜色越深，停留时间中位数越长；蓝色角标为当前停留的案件数，绿色为已经过的案件数。",
                       "en": "The darker, the longer the median time spent there; the blue badge counts the cases "
                             "now there, the green one those that passed."},
    "heatmap_no_cases": {"zh": "该版本在统计范围内还没有案件。", "en": "No case of this version in this scope yet."},
    "heatmap_not_allowed": {"zh": "您的角色不能查看运行统计。", "en": "Your role cannot see these figures."},
    "compare_form": {"zh": "表单", "en": "form"},
    "compare_decision": {"zh": "决策表", "en": "decision table"},
    "compare_fields_added": {"zh": "新增字段", "en": "fields added"},
    "compare_fields_removed": {"zh": "删除字段", "en": "fields removed"},
    "compare_fields_changed": {"zh": "修改字段", "en": "fields changed"},
    "compare_rules_added": {"zh": "新增规则", "en": "rules added"},
    "compare_rules_removed": {"zh": "删除规则", "en": "rules removed"},
    "compare_rules_changed": {"zh": "修改规则", "en": "rules changed"},
    "compare_version_short": {"zh": "第{version}版", "en": "v{version}"},
}
