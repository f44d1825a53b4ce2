"""Lambda and ECS appspec files (AWS docs, "AppSpec File structure" for the Lambda and ECS platforms).

Both have ``version: 0.0``, a ``Resources`` list of exactly one ``<name>: {Type, Properties}`` item,
and an optional ``Hooks`` list of single-key ``<Event>: <Lambda function name or ARN>`` items.

* Lambda: ``Type: AWS::Lambda::Function``, ``Properties: {Name, Alias, CurrentVersion, TargetVersion}``
  (all required); hook events BeforeAllowTraffic, AfterAllowTraffic.
* ECS: ``Type: AWS::ECS::Service``, ``Properties: {TaskDefinition, LoadBalancerInfo: {ContainerName,
  ContainerPort}, PlatformVersion?, NetworkConfiguration?: {AwsvpcConfiguration: {Subnets,
  SecurityGroups?, AssignPublicIp?}}, CapacityProviderStrategy?: [{CapacityProvider, Base?, Weight?}]}``;
  hook events BeforeInstall, AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic, AfterAllowTraffic.

Keys are case-sensitive. Unknown keys are warnings (errors with ``strict=True``); an unknown or repeated
hook event is always an error, as CodeDeploy refuses it when the deployment is created.
"""

from __future__ import annotations

import re

from yaml.nodes import MappingNode, Node, SequenceNode

from deployq.appspec import messages
from deployq.appspec.model import (
    AwsVpcConfiguration,
    CapacityProviderStrategyItem,
    EcsAppSpec,
    EcsService,
    LambdaAppSpec,
    LambdaFunction,
    ServerlessHook,
)
from deployq.appspec.toplevel import load_root, parse_version
from deployq.appspec.yamlnodes import (
    INT_TAG,
    STR_TAG,
    Document,
    Entry,
    child,
    describe,
    is_null,
    item,
    line_of,
    shown,
)

LAMBDA_TYPE = "AWS::Lambda::Function"
ECS_TYPE = "AWS::ECS::Service"
LAMBDA_HOOK_EVENTS = ("BeforeAllowTraffic", "AfterAllowTraffic")
ECS_HOOK_EVENTS = (
    "BeforeInstall",
    "AfterInstall",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
)
TOP_LEVEL_KEYS = ("version", "Resources", "Hooks")
RESOURCE_KEYS = ("Type", "Properties")
LAMBDA_PROPERTIES = ("Name", "Alias", "CurrentVersion", "TargetVersion")
ECS_PROPERTIES = (
    "TaskDefinition",
    "LoadBalancerInfo",
    "PlatformVersion",
    "NetworkConfiguration",
    "CapacityProviderStrategy",
)
ASSIGN_PUBLIC_IP = ("ENABLED", "DISABLED")
MAX_SUBNETS = 16
MAX_SECURITY_GROUPS = 5
MAX_CAPACITY_PROVIDERS = 6

_P = messages.PREFIX


def _required(doc: Document, entries: dict[str, Entry], key: str, path: str, parent: Node, what: str) -> Node:
    entry = entries.get(key)
    if entry is None or is_null(entry.value):
        doc.fail(
            _P + f"the AppSpec file has no {key} for {what}. Add {child(path, key)}, and then try again.",
            child(path, key),
            parent if entry is None else entry.value,
        )
    return entry.value


def _required_text(
    doc: Document, entries: dict[str, Entry], key: str, path: str, parent: Node, what: str
) -> str:
    node = _required(doc, entries, key, path, parent, what)
    text = doc.text(node, child(path, key), child(path, key)).strip()
    if not text:
        doc.fail(
            _P + f"{child(path, key)} is empty. Give the {what}'s {key}, and then try again.",
            child(path, key),
            node,
        )
    return text


def _optional(entries: dict[str, Entry], key: str) -> Node | None:
    entry = entries.get(key)
    return None if entry is None or is_null(entry.value) else entry.value


def _integer(doc: Document, node: Node, path: str, low: int, high: int) -> int:
    """A whole number in [low, high], written as decimal digits (quoted or not)."""
    text = shown(node).strip()
    value: int | None = None
    if node.tag in (INT_TAG, STR_TAG) and re.fullmatch(r"[0-9]+", text):
        value = int(text, 10)
    if value is None or not low <= value <= high:
        doc.fail(
            _P + f"{path} must be a whole number from {low} to {high} (got {text or describe(node)}).",
            path,
            node,
        )
    return value


def _resource(
    doc: Document, entries: dict[str, Entry], root: MappingNode, type_name: str
) -> tuple[str, MappingNode, str]:
    """The one resource: its logical name, its Properties mapping and their key path."""
    entry = entries.get("Resources")
    if entry is None or is_null(entry.value):
        doc.fail(
            _P + f"the AppSpec file has no Resources section. List one {type_name} resource under "
            "Resources, and then try again.",
            "Resources",
            root if entry is None else entry.value,
        )
    listed = doc.sequence(
        entry.value, "Resources", "Resources", "with one '- <name>: {Type, Properties}' item"
    )
    if not listed.value:
        doc.fail(
            _P + f"Resources lists no resource. List one {type_name} resource, and then try again.",
            "Resources",
            listed,
        )
    if len(listed.value) > 1:
        doc.fail(
            _P + f"Resources lists {len(listed.value)} resources, but a deployment supports exactly one "
            f"{type_name} resource. Remove the others, and then try again.",
            item("Resources", 1),
            listed.value[1],
        )
    node = listed.value[0]
    path = item("Resources", 0)
    holder = doc.mapping(node, path, path)
    names = doc.entries(holder, path)
    if len(names) != 1 or set(names) <= set(RESOURCE_KEYS):
        doc.fail(
            messages.wrong_shape(
                path,
                "a single '<resource name>:' key holding Type and Properties",
                f"the keys {', '.join(names)}",
            ),
            path,
            holder,
        )
    ((name, name_entry),) = names.items()
    path = child(path, name)
    body = doc.mapping(name_entry.value, path, path)
    body_entries = doc.entries(body, path)
    type_node = _required(doc, body_entries, "Type", path, body, f"resource {name}")
    type_value = shown(type_node)
    if type_value != type_name:
        doc.fail(
            _P + f"resource {name} has the type {type_value or describe(type_node)}, but this deployment "
            f"needs {type_name}. Correct the Type in the Resources section, and then try again.",
            child(path, "Type"),
            type_node,
        )
    props_node = _required(doc, body_entries, "Properties", path, body, f"resource {name}")
    props = doc.mapping(props_node, child(path, "Properties"), child(path, "Properties"))
    doc.unknown_keys(body_entries, RESOURCE_KEYS, path, f"resource {name}")
    return name, props, child(path, "Properties")


def _hooks(
    doc: Document, entries: dict[str, Entry], allowed: tuple[str, ...], platform: str
) -> tuple[ServerlessHook, ...]:
    entry = entries.get("Hooks")
    if entry is None or is_null(entry.value):
        return ()
    listed = doc.sequence(entry.value, "Hooks", "Hooks", "of '- <Event>: <Lambda function name>' items")
    hooks: list[ServerlessHook] = []
    seen: dict[str, int] = {}
    for index, node in enumerate(listed.value):
        path = item("Hooks", index)
        holder = doc.mapping(node, path, path)
        pairs = doc.entries(holder, path)
        if len(pairs) != 1:
            doc.fail(
                messages.wrong_shape(
                    path, "a single '<Event>: <Lambda function name>' pair", f"{len(pairs)} keys"
                ),
                path,
                holder,
            )
        ((event, pair),) = pairs.items()
        event_path = child(path, event)
        if event not in allowed:
            doc.fail(
                _P + f"the AppSpec file specifies the lifecycle event {event}, which {platform} deployments "
                f"do not have. Use one of {', '.join(allowed)} in the Hooks section, and then try again.",
                event_path,
                pair.key_node,
            )
        if event in seen:
            doc.fail(
                _P + f"the lifecycle event {event} is hooked twice (first on line {seen[event]}). Give each "
                "event one Lambda function, and then try again.",
                event_path,
                pair.key_node,
            )
        seen[event] = line_of(pair.key_node)
        function = "" if is_null(pair.value) else doc.text(pair.value, event_path, event_path).strip()
        if not function:
            doc.fail(
                _P + f"the hook {event} names no Lambda function. Give the function name or ARN, and "
                "then try again.",
                event_path,
                pair.value,
            )
        hooks.append(ServerlessHook(event, function, key_path=event_path, line=line_of(pair.key_node)))
    return tuple(hooks)


def _top_level(doc: Document, entries: dict[str, Entry]) -> None:
    for key, entry in entries.items():
        if key not in TOP_LEVEL_KEYS:
            doc.lenient(
                messages.unknown_key(key, "the AppSpec file", TOP_LEVEL_KEYS),
                key,
                entry.key_node,
                messages.unknown_key(key, "the AppSpec file", TOP_LEVEL_KEYS, strict=True),
            )


def parse_lambda(text: str, *, filename: str = "appspec.yml", strict: bool = False) -> LambdaAppSpec:
    """Parse and validate a Lambda appspec (YAML or JSON)."""
    doc = Document(filename, strict)
    root = load_root(doc, text, TOP_LEVEL_KEYS)
    entries = doc.entries(root, "")
    version = parse_version(doc, entries, root)
    name, props, path = _resource(doc, entries, root, LAMBDA_TYPE)
    prop_entries = doc.entries(props, path)
    what = f"Lambda function {name}"
    function = LambdaFunction(
        name=_required_text(doc, prop_entries, "Name", path, props, what),
        alias=_required_text(doc, prop_entries, "Alias", path, props, what),
        current_version=_required_text(doc, prop_entries, "CurrentVersion", path, props, what),
        target_version=_required_text(doc, prop_entries, "TargetVersion", path, props, what),
    )
    doc.unknown_keys(prop_entries, LAMBDA_PROPERTIES, path, f"the properties of {name}")
    hooks = _hooks(doc, entries, LAMBDA_HOOK_EVENTS, "AWS Lambda")
    _top_level(doc, entries)
    return LambdaAppSpec(version, name, function, hooks, tuple(doc.warnings))


def _network(doc: Document, node: Node, path: str) -> AwsVpcConfiguration:
    holder = doc.mapping(node, path, path)
    entries = doc.entries(holder, path)
    doc.unknown_keys(entries, ("AwsvpcConfiguration",), path, "NetworkConfiguration")
    vpc_path = child(path, "AwsvpcConfiguration")
    vpc = doc.mapping(
        _required(doc, entries, "AwsvpcConfiguration", path, holder, "the network configuration"),
        vpc_path,
        vpc_path,
    )
    vpc_entries = doc.entries(vpc, vpc_path)
    doc.unknown_keys(
        vpc_entries, ("Subnets", "SecurityGroups", "AssignPublicIp"), vpc_path, "AwsvpcConfiguration"
    )

    def names(key: str, limit: int, required: bool) -> tuple[str, ...]:
        key_path = child(vpc_path, key)
        node = (
            _required(doc, vpc_entries, key, vpc_path, vpc, "the awsvpc configuration")
            if required
            else _optional(vpc_entries, key)
        )
        if node is None:
            return ()
        listed = doc.string_list(node, key_path, key_path)
        if required and not listed:
            doc.fail(_P + f"{key_path} is empty. List at least one, and then try again.", key_path, node)
        if len(listed) > limit:
            doc.fail(
                _P + f"{key_path} lists {len(listed)} entries; at most {limit} are allowed.", key_path, node
            )
        for index, (value, sub) in enumerate(listed):
            if not value.strip():
                doc.fail(_P + f"{item(key_path, index)} is empty.", item(key_path, index), sub)
        return tuple(value.strip() for value, _ in listed)

    subnets = names("Subnets", MAX_SUBNETS, True)
    groups = names("SecurityGroups", MAX_SECURITY_GROUPS, False)
    assign: str | None = None
    assign_node = _optional(vpc_entries, "AssignPublicIp")
    if assign_node is not None:
        assign = shown(assign_node)
        if assign not in ASSIGN_PUBLIC_IP:
            doc.fail(
                _P + f"AssignPublicIp must be ENABLED or DISABLED (got {assign or describe(assign_node)}).",
                child(vpc_path, "AssignPublicIp"),
                assign_node,
            )
    return AwsVpcConfiguration(subnets, groups, assign)


def _capacity(doc: Document, node: Node, path: str) -> tuple[CapacityProviderStrategyItem, ...]:
    listed: SequenceNode = doc.sequence(node, path, path, "of '- CapacityProvider: …' items")
    if len(listed.value) > MAX_CAPACITY_PROVIDERS:
        doc.fail(
            _P + f"{path} lists {len(listed.value)} capacity providers; at most {MAX_CAPACITY_PROVIDERS} "
            "are allowed.",
            path,
            listed,
        )
    result: list[CapacityProviderStrategyItem] = []
    for index, sub in enumerate(listed.value):
        item_path = item(path, index)
        holder = doc.mapping(sub, item_path, item_path)
        entries = doc.entries(holder, item_path)
        doc.unknown_keys(
            entries, ("CapacityProvider", "Base", "Weight"), item_path, "a capacity provider strategy"
        )
        provider = _required_text(
            doc, entries, "CapacityProvider", item_path, holder, "the capacity provider strategy"
        )
        base_node, weight_node = _optional(entries, "Base"), _optional(entries, "Weight")
        base = None if base_node is None else _integer(doc, base_node, child(item_path, "Base"), 0, 100000)
        weight = (
            None if weight_node is None else _integer(doc, weight_node, child(item_path, "Weight"), 0, 1000)
        )
        result.append(CapacityProviderStrategyItem(provider, base, weight))
    return tuple(result)


def parse_ecs(text: str, *, filename: str = "appspec.yml", strict: bool = False) -> EcsAppSpec:
    """Parse and validate an Amazon ECS appspec (YAML or JSON)."""
    doc = Document(filename, strict)
    root = load_root(doc, text, TOP_LEVEL_KEYS)
    entries = doc.entries(root, "")
    version = parse_version(doc, entries, root)
    name, props, path = _resource(doc, entries, root, ECS_TYPE)
    prop_entries = doc.entries(props, path)
    what = f"ECS service {name}"
    task_definition = _required_text(doc, prop_entries, "TaskDefinition", path, props, what)
    lb_path = child(path, "LoadBalancerInfo")
    lb = doc.mapping(_required(doc, prop_entries, "LoadBalancerInfo", path, props, what), lb_path, lb_path)
    lb_entries = doc.entries(lb, lb_path)
    doc.unknown_keys(lb_entries, ("ContainerName", "ContainerPort"), lb_path, "LoadBalancerInfo")
    container_name = _required_text(doc, lb_entries, "ContainerName", lb_path, lb, "the load balancer info")
    port_node = _required(doc, lb_entries, "ContainerPort", lb_path, lb, "the load balancer info")
    container_port = _integer(doc, port_node, child(lb_path, "ContainerPort"), 1, 65535)
    platform_node = _optional(prop_entries, "PlatformVersion")
    platform_version = None
    if platform_node is not None:
        platform_version = doc.text(
            platform_node, child(path, "PlatformVersion"), child(path, "PlatformVersion")
        )
    network_node = _optional(prop_entries, "NetworkConfiguration")
    network = (
        None if network_node is None else _network(doc, network_node, child(path, "NetworkConfiguration"))
    )
    capacity_node = _optional(prop_entries, "CapacityProviderStrategy")
    capacity = None
    if capacity_node is not None:
        capacity = _capacity(doc, capacity_node, child(path, "CapacityProviderStrategy"))
    doc.unknown_keys(prop_entries, ECS_PROPERTIES, path, f"the properties of {name}")
    service = EcsService(task_definition, container_name, container_port, platform_version, network, capacity)
    hooks = _hooks(doc, entries, ECS_HOOK_EVENTS, "Amazon ECS")
    _top_level(doc, entries)
    return EcsAppSpec(version, name, service, hooks, tuple(doc.warnings))
