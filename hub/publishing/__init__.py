"""Publishing: compose rules per network, the review workflow, and the delivery state machine."""
