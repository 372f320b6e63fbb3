"""The catalogue a node publishes: cluster profile, locations, desks, rooms, services, events."""
