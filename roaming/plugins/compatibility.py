"""Whether a plugin was written for this node's plugin API (``roaming.hookspecs.PLUGIN_API_VERSION``).

A plugin declares the plugin API versions it works with as the attribute ``roaming_plugin_api``
of what its entry point loads (its module): a version specifier as PEP 440 writes them, with an
upper bound, e.g. ``roaming_plugin_api = ">=1.0,<2"``. The node loads a plugin only if its own
plugin API version is in that range. A plugin that declares nothing, something that is not a
range (arbitrary equality, ``===``, compares text, not versions) or a range without an upper bound
is refused as well: the node cannot tell whether it was written for this API (a range without an
upper bound claims every future major version, whose changes its author has not seen), and
guessing would let it fail later, in a visit request, instead of at start-up. So is a declaration
that cannot be read or checked at all (an object that raises when asked): what it raised becomes
the reason, naming the plugin.
"""

from __future__ import annotations

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from roaming import hookspecs

DECLARATION = "roaming_plugin_api"
# The operators that bound a range from above: "<2", "<=1.4", "==1.*", "~=1.0" (">=1.0, ==1.*").
UPPER_BOUNDS = frozenset({"<", "<=", "==", "~="})


def recommended_range() -> str:
    """What a plugin written for this node's plugin API declares: this version up to the next
    major one, e.g. ``">=1.0,<2"``."""
    node = hookspecs.PLUGIN_API_VERSION
    return f">={node},<{int(node.split('.')[0]) + 1}"


def incompatibility(name: str, plugin: object, loaded_from: str) -> str | None:
    """Why plugin ``name`` (the object its entry point ``loaded_from`` gave) cannot be loaded by
    this node, naming its declared range and the node's plugin API version; None when it can.

    Raises nothing: whatever reading or checking the declaration raises (a module ``__getattr__``,
    a ``str`` subclass whose methods fail) is returned as the reason, naming the plugin."""
    try:
        return _incompatibility(name, plugin, loaded_from)
    except Exception as error:  # noqa: BLE001 - the plugin's own code: any failure is reported with its name
        return (
            f"Plugin '{name}' has a {DECLARATION} in {loaded_from} that cannot be checked ({_described(error)}); "
            f"this node's plugin API is {hookspecs.PLUGIN_API_VERSION}. Declare a plain text range "
            f'(e.g. {DECLARATION} = "{recommended_range()}") {_way_out(name)}.'
        )


def _incompatibility(name: str, plugin: object, loaded_from: str) -> str | None:
    node = hookspecs.PLUGIN_API_VERSION
    example = f'{DECLARATION} = "{recommended_range()}"'
    declared = getattr(plugin, DECLARATION, None)
    if declared is None:
        return (
            f"Plugin '{name}' does not declare which plugin API versions it supports (no {DECLARATION} in "
            f"{loaded_from}); this node's plugin API is {node}. Install a release of it that declares them "
            f"(e.g. {example}) {_way_out(name)}."
        )
    try:
        supported = SpecifierSet(declared) if isinstance(declared, str) and declared.strip() else None
    except InvalidSpecifier:
        supported = None
    if supported is None or any(specifier.operator == "===" for specifier in supported):  # === compares text
        return (
            f"Plugin '{name}' declares {DECLARATION} = {declared!r} in {loaded_from}, which is not a version "
            f"range such as {recommended_range()!r}; this node's plugin API is {node}. Fix the declaration "
            f"{_way_out(name)}."
        )
    if not any(specifier.operator in UPPER_BOUNDS for specifier in supported):
        return (
            f"Plugin '{name}' declares {DECLARATION} = {declared!r} in {loaded_from}, a range without an upper "
            f"bound: it claims plugin API versions not made yet, whose changes may break it. Declare the versions "
            f"it was written for up to the next major one (e.g. {example}) {_way_out(name)}."
        )
    if not supported.contains(node, prereleases=True):
        return (
            f"Plugin '{name}' supports plugin API {declared}, but this node's plugin API is {node}: install a "
            f"release of the plugin made for plugin API {node} {_way_out(name)}."
        )
    return None


def _way_out(name: str) -> str:
    return f"or run 'roaming plugins disable {name}'"


def _described(error: Exception) -> str:
    """The exception's type and message, or its type alone when its message cannot be had."""
    try:
        return f"{type(error).__name__}: {error}"
    except Exception:  # noqa: BLE001 - an exception whose __str__ fails is still named
        return type(error).__name__
