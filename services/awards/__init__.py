"""Awards: where award types, nominations, council votes and decisions belong.

It has no tables of its own and publishes nothing today: it answers its health and metrics
endpoints and refuses deactivated users' tokens once identity has said so (kit.principals).
"""
