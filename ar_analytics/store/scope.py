"""Which customers a read covers: the contacts of commercial partners, the lines without a
partner (key 0), and the company's customers cut in batches for a refresh in batches."""

from itertools import pairwise

from odoo.fields import Domain
from odoo.tools import SQL

from .arrays import array


def partner_domain(field, contact_ids, partner_ids):
    """``field`` in the contacts; or empty too when ``partner_ids`` holds 0, the key of
    the receivable lines without a partner (counted in the company totals only)."""
    domain = Domain(field, "in", contact_ids)
    return domain | Domain(field, "=", False) if 0 in partner_ids else domain


def contact_scope(alias, contact_ids, partner_ids):
    """:func:`partner_domain` in SQL, on the ``partner_id`` of the table ``alias``."""
    column = SQL.identifier(alias, "partner_id")
    scope = SQL("%s = ANY(%s)", column, array(contact_ids, "int4"))
    return SQL("(%s OR %s IS NULL)", scope, column) if 0 in partner_ids else scope


def contacts(env, partner_ids):
    """The contacts of the commercial partners ``partner_ids`` (archived ones too), by
    id: the lines are filtered on their partner, which is indexed; a join to the
    partners, filtered on the commercial partner, is planned as a scan of every line
    of the company from about a hundred customers."""
    env["res.partner"].flush_model(["commercial_partner_id"])
    rows = env.execute_query(
        SQL(
            "SELECT id FROM res_partner WHERE commercial_partner_id = ANY(%s)",
            array(sorted(partner_ids), "int4"),
        )
    )
    return [row[0] for row in rows]


def customer_batches(env, company, size, unassigned=False, even=False):
    """The company's customers (commercial partners with receivable items, or with
    stored figures to clear) in batches of ``size``, by id: each batch is refreshed on
    its own (``_refresh_batch``), in any order, by any worker. ``unassigned``: the key 0
    of the receivable lines without a partner ends the last batch, when there are any
    (what the company totals of a refresh in batches count besides its customers);
    ``even``: as few batches of at most ``size``, of sizes that differ by one at most."""
    # a look-up per partner in the index of lines by account and partner, which stops at
    # its first line, where a list of the distinct partners of the lines reads them all
    rows = env.execute_query(
        SQL(
            """
        SELECT DISTINCT COALESCE(p.commercial_partner_id, p.id)
          FROM res_partner p
         WHERE EXISTS (
               SELECT 1 FROM account_move_line l
                WHERE l.account_id = ANY(ARRAY(
                      SELECT a.id FROM account_account a
                        JOIN account_account_res_company_rel r ON r.account_account_id = a.id
                       WHERE a.account_type = 'asset_receivable'
                         AND r.res_company_id = %(root)s))
                  AND l.partner_id = p.id
                  AND l.company_id = %(company)s AND l.parent_state = 'posted')
         UNION
        SELECT partner_id FROM ar_customer_stat WHERE company_id = %(company)s
         ORDER BY 1
        """,
            company=company.id,
            root=company.root_id.id,
        )
    )
    ids = [row[0] for row in rows]
    if unassigned and env.execute_query(
        SQL(
            """
        SELECT 1 FROM account_move_line l
          JOIN account_account a ON a.id = l.account_id
         WHERE l.company_id = %s AND l.parent_state = 'posted' AND l.partner_id IS NULL
           AND a.account_type = 'asset_receivable'
         LIMIT 1
        """,
            company.id,
        )
    ):
        ids.append(0)
    if even and ids:
        count = -(-len(ids) // size)
        # the first len % count batches take one more customer
        bounds = [n * (len(ids) // count) + min(n, len(ids) % count) for n in range(count + 1)]
        return [ids[start:stop] for start, stop in pairwise(bounds)]
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def batch_number(key, firsts):
    """SQL of the batch (1 to ``len(firsts)``) of the customer ``key`` (SQL), the batches of
    :func:`customer_batches` given by their ``firsts`` customers: the batch whose ids take
    it in, the last for the lines without a partner (key 0 or NULL). Read once for the
    whole company and ordered by it, the rows of every batch come one after the other."""
    return SQL(
        "CASE WHEN COALESCE(%(key)s, 0) = 0 THEN %(last)s "
        "ELSE GREATEST(width_bucket(%(key)s, %(firsts)s), 1) END",
        key=key,
        last=len(firsts),
        firsts=array(firsts, "int4"),
    )


def may_exceed(env, size):
    """Whether a company may have more than ``size`` customers: the database's commercial
    partners (of every company, archived ones too) are counted in an instant, where listing
    a company's customers reads its receivable lines."""
    [(count,)] = env.execute_query(
        SQL("SELECT COUNT(*) FROM res_partner WHERE commercial_partner_id = id")
    )
    return count > size
