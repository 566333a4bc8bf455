// Placeholder until the native backend lands: install must never fail.
