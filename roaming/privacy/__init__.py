"""Personal data: a person's export and erasure, hosts' retention of visitor details, and the
audit trail of who read or changed personal data."""
