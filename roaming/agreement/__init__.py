"""The agreement's terms as data: the real BRA's defaults, their schema, and this node's own terms.

The lowest of the domain packages: the coordinator publishes these terms in the registry, the
registry keeps the federation's copy (``roaming.peers.registry.federation_terms``), partners'
variations live with the peers (``roaming.peers.variations``), and visits apply them; all read
them from here.
"""
