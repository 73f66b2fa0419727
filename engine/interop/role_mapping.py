"""Roles: candidate groups and lanes mapped to roles, and every user task placed in its role's lane."""
from __future__ import annotations

from lxml import etree

from ..roles import ROLES, role_for_lane
from .common import ACTIVITI, BPMN, CAMUNDA, ZEEBE, ImporterBase, _key, _local
from .proposal import RoleChoice

#: common group names of other modelers' diagrams -> role
GROUP_SYNONYMS = {
    "officers": "officer", "staff": "officer", "clerk": "officer", "clerks": "officer", "users": "officer",
    "user": "officer", "inspector": "officer", "inspectors": "officer", "enforcement": "officer",
    "reviewer": "legal_reviewer", "reviewers": "legal_reviewer", "legal": "legal_reviewer",
    "manager": "head", "managers": "head", "management": "head", "approver": "head", "approvers": "head",
    "supervisor": "head", "director": "chief", "lawyer": "legal_counsel", "counsel": "legal_counsel",
    "auditors": "auditor", "admins": "admin", "administrators": "admin",
}
DEFAULT_ROLE = "officer"


def proposed_role(name: str, mapping: dict[str, str] | None = None) -> tuple[str, str]:
    """(role, reason) for a lane or group name: the owner's choice, a name the roles know, or the default."""
    chosen = (mapping or {}).get(name)
    if chosen in ROLES:
        return chosen, "chosen"
    known = role_for_lane(name)
    if known is None:
        lowered = name.strip().lower()
        known = next((k for k, v in ROLES.items() if v["en"].lower() == lowered), None) or GROUP_SYNONYMS.get(lowered)
    return (known, "name") if known else (DEFAULT_ROLE, "default")


class RoleMapping(ImporterBase):
    """A role for every user task (candidate groups, else its lane, else the default) and the lanes to match."""

    # -- roles ----------------------------------------------------------------------------------------
    def task_role(self, proc: etree._Element, task: etree._Element) -> str:
        groups_attr = None
        for attr in (f"{{{CAMUNDA}}}candidateGroups", f"{{{ACTIVITI}}}candidateGroups"):
            if task.get(attr):
                groups_attr = task.attrib.pop(attr)
        for zeebe in task.iter(f"{{{ZEEBE}}}assignmentDefinition"):
            if zeebe.get("candidateGroups"):
                groups_attr = zeebe.attrib.pop("candidateGroups").lstrip("=").strip("[]\"' ")
        tid = task.get("id")
        if groups_attr:
            if "${" in groups_attr or "#{" in groups_attr:
                self.problem(task, f"candidate groups '{groups_attr}' are an expression: name the groups "
                                   "(each becomes a role)")
                return DEFAULT_ROLE
            groups = [g.strip().strip("\"'") for g in groups_attr.split(",") if g.strip()]
            picked = {self.choose("candidateGroups", g, tid, task)[0] for g in groups}
            if len(picked) > 1:
                self.problem(task, f"candidate groups {', '.join(groups)} map to different roles "
                                   f"({', '.join(sorted(picked))}); a task belongs to one role: choose the same role "
                                   "for them or keep one group")
            return self.choose("candidateGroups", groups[0], tid, task)[0]
        lane = _lane_of(proc, tid)
        if lane is not None:
            return self.choose("lane", lane.get("name") or lane.get("id") or "", tid, lane)[0]
        return self.choose("none", "", tid, None)[0]

    def choose(self, source: str, name: str, tid: str, el: etree._Element | None) -> tuple[str, str]:
        found = self.roles.get((source, name))
        if found is None:
            role, reason = proposed_role(name, self.mapping) if name else (
                (self.mapping.get(""), "chosen") if self.mapping.get("") in ROLES else (DEFAULT_ROLE, "default"))
            found = self.roles[(source, name)] = RoleChoice(source, name, role, reason, [],
                                                            el.get("id") if el is not None else None,
                                                            el.sourceline if el is not None else None)
            self.out.roles.append(found)
        if tid not in found.tasks:
            found.tasks.append(tid)
        return found.role, found.reason

    def place_in_lanes(self, proc: etree._Element, placed: dict[str, str]) -> None:
        """Every user task in a lane named after its role; lanes named after the role of their tasks."""
        lane_sets = proc.findall(f"{{{BPMN}}}laneSet")
        for lane in proc.iter(f"{{{BPMN}}}lane"):
            choice = self.roles.get(("lane", lane.get("name") or lane.get("id") or ""))
            if choice is not None:
                lane.set("name", ROLES[choice.role]["zh"])
        for tid, role in placed.items():
            current = _lane_of(proc, tid)
            if current is not None and role_for_lane(current.get("name")) == role:
                continue
            if current is not None:
                for ref in list(current.iter(f"{{{BPMN}}}flowNodeRef")):
                    if (ref.text or "").strip() == tid:
                        ref.getparent().remove(ref)
            target = next((ln for ln in proc.iter(f"{{{BPMN}}}lane") if role_for_lane(ln.get("name")) == role
                           and ln.find(f"{{{BPMN}}}childLaneSet") is None), None)
            if target is None:
                if not lane_sets:
                    lane_set = etree.Element(f"{{{BPMN}}}laneSet", id=f"laneset_{_key(proc.get('id') or 'p')}")
                    proc.insert(_after_extensions(proc), lane_set)
                    lane_sets = [lane_set]
                target = etree.SubElement(lane_sets[0], f"{{{BPMN}}}lane", id=f"lane_{_key(proc.get('id') or 'p')}_{role}",
                                          name=ROLES[role]["zh"])
            etree.SubElement(target, f"{{{BPMN}}}flowNodeRef").text = tid


def _lane_of(proc: etree._Element, tid: str) -> etree._Element | None:
    found = None
    for lane in proc.iter(f"{{{BPMN}}}lane"):
        if any((ref.text or "").strip() == tid for ref in lane.findall(f"{{{BPMN}}}flowNodeRef")):
            found = lane  # the innermost lane comes last in document order
    return found


def _after_extensions(proc: etree._Element) -> int:
    index = 0
    for i, child in enumerate(proc):
        if _local(child.tag) in ("documentation", "extensionElements"):
            index = i + 1
    return index
