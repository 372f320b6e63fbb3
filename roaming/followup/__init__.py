"""Follow-up: surveys after a visit, what came of it, connections and published case studies."""
