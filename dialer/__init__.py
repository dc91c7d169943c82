"""Outbound: Erlang-C pacing, campaigns, leads and compliance (the predictive dialer)."""
