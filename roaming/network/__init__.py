"""The federation's public face: the map of member clusters and their visits, the clusters that
joined recently, and the "Cluster in focus" newsletter (page and e-mail digest)."""
