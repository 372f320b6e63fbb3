"""Whether a plugin was written for this node's plugin API (``roaming.hookspecs.PLUGIN_API_VERSION``).

A plugin declares the plugin API versions it works with as the attribute ``roaming_plugin_api``
of what its entry point loads (its module): a version specifier as PEP 440 writes them, e.g.
``roaming_plugin_api = ">=1.0,<2"``. The node loads a plugin only if its own plugin API version
is in that range. A plugin that declares nothing, or something that is not a range, is refused
as well: the node cannot tell whether it was written for this API, and guessing would let it
fail later, in a visit request, instead of at start-up.
"""

from __future__ import annotations

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from roaming import hookspecs

DECLARATION = "roaming_plugin_api"


def recommended_range() -> str:
    """What a plugin written for this node's plugin API declares: this version up to the next
    major one, e.g. ``">=1.0,<2"``."""
    node = hookspecs.PLUGIN_API_VERSION
    return f">={node},<{int(node.split('.')[0]) + 1}"


def incompatibility(name: str, plugin: object, loaded_from: str) -> str | None:
    """Why plugin ``name`` (the object its entry point ``loaded_from`` gave) cannot be loaded by
    this node, naming its declared range and the node's plugin API version; None when it can."""
    node = hookspecs.PLUGIN_API_VERSION
    example = f'{DECLARATION} = "{recommended_range()}"'
    way_out = f"or run 'roaming plugins disable {name}'"
    declared = getattr(plugin, DECLARATION, None)
    if declared is None:
        return (
            f"Plugin '{name}' does not declare which plugin API versions it supports (no {DECLARATION} in "
            f"{loaded_from}); this node's plugin API is {node}. Install a release of it that declares them "
            f"(e.g. {example}) {way_out}."
        )
    try:
        supported = SpecifierSet(declared) if isinstance(declared, str) and declared.strip() else None
    except InvalidSpecifier:
        supported = None
    if supported is None:
        return (
            f"Plugin '{name}' declares {DECLARATION} = {declared!r} in {loaded_from}, which is not a version "
            f"range such as {recommended_range()!r}; this node's plugin API is {node}. Fix the declaration "
            f"{way_out}."
        )
    if not supported.contains(node, prereleases=True):
        return (
            f"Plugin '{name}' supports plugin API {declared}, but this node's plugin API is {node}: install a "
            f"release of the plugin made for plugin API {node} {way_out}."
        )
    return None
