"""Event registrations: visitors take a partner's event seats at member rate, with a waiting list."""
