"""The wire at the edge: typed AMI/ARI events in, domain events out (translate.py); a restarted engine's view
of what the ARI app holds (restore_plan.py); the Stasis arguments each kind of leg is sent into the app with
(stasis.py). `engine/core` imports nothing from here nor from `engine/pbx`."""
