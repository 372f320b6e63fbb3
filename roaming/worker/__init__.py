"""Background work of a node: the worker loop (``loop``) and the claims that keep its jobs from
running twice (``claims``)."""
