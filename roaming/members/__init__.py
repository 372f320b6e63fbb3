"""Member companies of the node's cluster, and their people."""
