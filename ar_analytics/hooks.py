def post_init_hook(env):
    """Default aging buckets for the companies that exist when the addon is installed."""
    env["ar.aging.bucket"]._ensure_defaults(env["res.company"].search([]))
