// The Sanxiang group of the properties panel: a lane's role (its name), a user task's form (formKey), deadline
// variable (dueDate), enforcement act (actKind) and kind, a timer's date / duration / cycle expression. Values are
// written exactly as the shipped diagrams carry them:
//   <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formKey" value="..."/>
import { h } from '@bpmn-io/properties-panel/preact';
import {
  SelectEntry, TextFieldEntry, isSelectEntryEdited, isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

const PROPS = 'spiffworkflow:Properties';
const TIMER_KINDS = ['timeDate', 'timeDuration', 'timeCycle'];
const config = { strings: {}, forms: [], roles: [], actKinds: [] };

/** Strings (page language), form keys, roles and act kinds for the panel's choices. */
export function configure(options) { Object.assign(config, options); }

const s = (key) => config.strings[key] || key;

function propertiesOf(bo) {
  const ext = bo.get('extensionElements');
  return ext ? (ext.get('values') || []).find((v) => is(v, PROPS)) : undefined;
}

/** The value of <spiffworkflow:property name="..."> on a business object (undefined when absent). */
export function getProperty(bo, name) {
  const props = propertiesOf(bo);
  const found = props ? (props.get('properties') || []).find((p) => p.get('name') === name) : undefined;
  return found ? found.get('value') : undefined;
}

function update(element, moddleElement, properties) {
  return { cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties } };
}

/** Set (or, with an empty value, remove) one spiffworkflow property in one undoable command. */
export function setProperty(injector, element, name, value) {
  const bpmnFactory = injector.get('bpmnFactory');
  const bo = getBusinessObject(element);
  const commands = [];
  let ext = bo.get('extensionElements');
  let props = propertiesOf(bo);
  const list = props ? [...(props.get('properties') || [])] : [];
  const existing = list.find((p) => p.get('name') === name);
  const wanted = (value || '').trim();
  if (!wanted) {
    if (!existing) return;
    const rest = list.filter((p) => p !== existing);
    if (rest.length) commands.push(update(element, props, { properties: rest }));
    else commands.push(update(element, ext, { values: ext.get('values').filter((v) => v !== props) }));
  } else if (existing) {
    commands.push(update(element, existing, { value: wanted }));
  } else {
    if (!ext) {
      ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
      ext.$parent = bo;
      commands.push(update(element, bo, { extensionElements: ext }));
    }
    if (!props) {
      props = bpmnFactory.create(PROPS, { properties: [] });
      props.$parent = ext;
      commands.push(update(element, ext, { values: [...(ext.get('values') || []), props] }));
    }
    const prop = bpmnFactory.create('spiffworkflow:Property', { name, value: wanted });
    prop.$parent = props;
    commands.push(update(element, props, { properties: [...(props.get('properties') || []), prop] }));
  }
  injector.get('commandStack').execute('properties-panel.multi-command-executor', commands);
}

function roleOfLane(name) {
  const clean = (name || '').trim();
  const role = config.roles.find((r) => r.key === clean || r.zh === clean);
  return role ? role.key : (clean ? '__unknown__' : '');
}

function LaneRole({ element, id }) {
  const modeling = useService('modeling');
  const getValue = () => roleOfLane(getBusinessObject(element).get('name'));
  const setValue = (value) => {
    const role = config.roles.find((r) => r.key === value);
    if (value !== '__unknown__') modeling.updateProperties(element, { name: role ? role.zh : '' });
  };
  const getOptions = () => {
    const options = [{ value: '', label: s('definitions_no_role') }];
    const name = getBusinessObject(element).get('name');
    if (getValue() === '__unknown__') options.push({ value: '__unknown__', label: `${s('definitions_unknown_role')}: ${name}` });
    return options.concat(config.roles.map((r) => ({ value: r.key, label: `${r.zh} (${r.key})` })));
  };
  return h(SelectEntry, { element, id, label: s('definitions_lane_role'), getValue, setValue, getOptions });
}

function PropertySelect({ element, id, name, label, empty, choices }) {
  const injector = useService('injector');
  const getValue = () => getProperty(getBusinessObject(element), name) || '';
  const getOptions = () => {
    const current = getValue();
    const options = [{ value: '', label: empty }, ...choices()];
    if (current && !options.some((o) => o.value === current)) options.push({ value: current, label: current });
    return options;
  };
  return h(SelectEntry, {
    element, id, label, getValue, getOptions, setValue: (v) => setProperty(injector, element, name, v),
  });
}

function PropertyText({ element, id, name, label }) {
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element, id, label, debounce,
    getValue: () => getProperty(getBusinessObject(element), name) || '',
    setValue: (v) => setProperty(injector, element, name, v),
  });
}

const FormKey = (props) => PropertySelect({
  ...props, name: 'formKey', label: s('definitions_form_key'), empty: s('definitions_no_form'),
  choices: () => config.forms.map((f) => ({ value: f, label: f })),
});
const ActKind = (props) => PropertySelect({
  ...props, name: 'actKind', label: s('definitions_act_kind'), empty: s('definitions_no_act'),
  choices: () => config.actKinds.map((a) => ({ value: a.key, label: `${a.label} (${a.key})` })),
});
const DueDate = (props) => PropertyText({ ...props, name: 'dueDate', label: s('definitions_due_date') });
const TaskKind = (props) => PropertyText({ ...props, name: 'kind', label: s('definitions_task_kind') });

function timerOf(element) {
  const defs = getBusinessObject(element).get('eventDefinitions') || [];
  return defs.find((d) => is(d, 'bpmn:TimerEventDefinition'));
}

function timerKind(timer) { return TIMER_KINDS.find((k) => timer.get(k)) || ''; }

function TimerType({ element, id }) {
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const timer = timerOf(element);
  const getValue = () => timerKind(timer);
  const setValue = (kind) => {
    const old = timerKind(timer);
    const body = old ? timer.get(old).get('body') : '';
    const props = Object.fromEntries(TIMER_KINDS.map((k) => [k, undefined]));
    if (kind) {
      const expr = bpmnFactory.create('bpmn:FormalExpression', { body });
      expr.$parent = timer;
      props[kind] = expr;
    }
    modeling.updateModdleProperties(element, timer, props);
  };
  const getOptions = () => [{ value: '', label: s('definitions_timer_none') },
    ...TIMER_KINDS.map((k) => ({ value: k, label: s(`definitions_timer_${k.slice(4).toLowerCase()}`) }))];
  return h(SelectEntry, { element, id, label: s('definitions_timer_type'), getValue, setValue, getOptions });
}

function TimerValue({ element, id }) {
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const timer = timerOf(element);
  const getValue = () => { const k = timerKind(timer); return k ? timer.get(k).get('body') || '' : ''; };
  const setValue = (value) => {
    const kind = timerKind(timer) || 'timeDuration';
    const expr = timer.get(kind);
    if (expr) modeling.updateModdleProperties(element, expr, { body: value });
    else {
      const created = bpmnFactory.create('bpmn:FormalExpression', { body: value });
      created.$parent = timer;
      modeling.updateModdleProperties(element, timer, { [kind]: created });
    }
  };
  return h(TextFieldEntry, { element, id, label: s('definitions_timer_value'), getValue, setValue, debounce });
}

class SanxiangPropertiesProvider {
  constructor(propertiesPanel) {
    propertiesPanel.registerProvider(500, this);
  }

  getGroups(element) {
    return (groups) => {
      const general = groups.find((g) => g.id === 'general');
      if (general) general.shouldOpen = true;
      const entries = [];
      if (is(element, 'bpmn:Lane')) {
        entries.push({ id: 'sx-laneRole', component: LaneRole, element, isEdited: isSelectEntryEdited });
      }
      if (is(element, 'bpmn:UserTask')) {
        entries.push(
          { id: 'sx-formKey', component: FormKey, element, isEdited: isSelectEntryEdited },
          { id: 'sx-dueDate', component: DueDate, element, isEdited: isTextFieldEntryEdited },
          { id: 'sx-actKind', component: ActKind, element, isEdited: isSelectEntryEdited },
          { id: 'sx-kind', component: TaskKind, element, isEdited: isTextFieldEntryEdited },
        );
      }
      if (entries.length) groups.splice(1, 0, { id: 'sanxiang', label: s('definitions_group_sanxiang'), entries, shouldOpen: true });
      if (is(element, 'bpmn:Event') && timerOf(element)) {
        groups.splice(entries.length ? 2 : 1, 0, {
          id: 'sx-timer', label: s('definitions_group_timer'), shouldOpen: true,
          entries: [
            { id: 'sx-timerType', component: TimerType, element, isEdited: isSelectEntryEdited },
            { id: 'sx-timerValue', component: TimerValue, element, isEdited: isTextFieldEntryEdited },
          ],
        });
      }
      return groups;
    };
  }
}
SanxiangPropertiesProvider.$inject = ['propertiesPanel'];

export default {
  __init__: ['sanxiangPropertiesProvider'],
  sanxiangPropertiesProvider: ['type', SanxiangPropertiesProvider],
};
