"""Pure domain rules: money, ID numbers, policy, fees. No I/O, no database, no Qt."""
