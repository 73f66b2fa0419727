"""Strings of the import page for diagrams from other modelers (api/web/pages/definitions_import.py)."""

STRINGS = {
    "import_menu": {"zh": "导入外部流程", "en": "Import diagrams"},
    "import_title": {"zh": "导入其他建模工具的流程图", "en": "Import diagrams from other modelers"},
    "import_intro": {"zh": "上传 Camunda 7、Camunda 8 或 bpmn.io 绘制的流程图（.bpmn），以及它引用的 Camunda 表单（.form）。"
                             "系统给出映射方案：泳道和候选组对应角色，表单键和关联表单对应表单，没有表单的用户任务生成表单，"
                             "到期时间对应办理期限。确认后部署。",
                     "en": "Upload diagrams made in Camunda 7, Camunda 8 or bpmn.io (.bpmn) and the Camunda forms (.form) "
                           "they link. Sanxiang proposes a mapping: lanes and candidate groups to roles, form keys and "
                           "linked forms to forms, a generated form for each user task without one, due dates to "
                           "deadlines. Accept it to deploy."},
    "import_files": {"zh": "文件", "en": "Files"},
    "import_propose": {"zh": "生成映射方案", "en": "Propose mapping"},
    "import_repropose": {"zh": "按所选角色重新生成", "en": "Propose again with these roles"},
    "import_accept": {"zh": "接受方案并部署", "en": "Accept and deploy"},
    "import_roles": {"zh": "角色映射", "en": "Roles"},
    "import_source": {"zh": "来源", "en": "Source"},
    "import_name": {"zh": "名称", "en": "Name"},
    "import_role": {"zh": "角色", "en": "Role"},
    "import_reason": {"zh": "依据", "en": "Why"},
    "import_tasks": {"zh": "用户任务", "en": "User tasks"},
    "import_reason_chosen": {"zh": "您的选择", "en": "your choice"},
    "import_reason_name": {"zh": "名称对应", "en": "matching name"},
    "import_reason_default": {"zh": "默认（请确认）", "en": "default (please check)"},
    "import_source_candidateGroups": {"zh": "候选组", "en": "candidate group"},
    "import_source_lane": {"zh": "泳道", "en": "lane"},
    "import_source_none": {"zh": "无泳道、无候选组", "en": "no lane, no group"},
    "import_forms": {"zh": "表单", "en": "Forms"},
    "import_form_key": {"zh": "表单键", "en": "Form key"},
    "import_fields": {"zh": "字段", "en": "Fields"},
    "import_deadlines": {"zh": "办理期限", "en": "Deadlines"},
    "import_expression": {"zh": "原到期时间", "en": "Due date as written"},
    "import_data_key": {"zh": "期限数据项", "en": "Deadline data key"},
    "import_problems": {"zh": "无法映射的内容（须先在建模工具中修改）", "en": "What cannot be mapped (change it in the modeler first)"},
    "import_validation": {"zh": "映射后的校验问题", "en": "Problems of the mapped files"},
    "import_ignored": {"zh": "不起作用而略去的设置", "en": "Settings with no effect, left out"},
    "import_notes": {"zh": "导入时所作的调整", "en": "Changes the import makes"},
    "import_files_out": {"zh": "将部署的文件", "en": "Files to deploy"},
    "import_element": {"zh": "元素", "en": "Element"},
    "import_line": {"zh": "行", "en": "Line"},
    "import_message": {"zh": "说明", "en": "Message"},
    "import_file": {"zh": "文件", "en": "File"},
    "import_no_files": {"zh": "请选择要导入的文件", "en": "Choose the files to import"},
    "import_refused": {"zh": "未部署：请处理下列问题", "en": "Not deployed: fix the problems below"},
}
