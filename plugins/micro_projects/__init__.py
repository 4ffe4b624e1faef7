"""Livelihood micro-projects (民生微实事): the annual list, from residents' requests
to close-out (销号) and the year-end satisfaction evaluation (满意度测评).

Each community builds an annual list (collecting → reviewing → publicised →
executing → evaluating → finished); the street's special fund per year pays for
it and is never over-allocated; a project that more than 70 % of the residents'
representatives find unsatisfactory is redone, carried into next year's list.
See docs/micro_projects.md.
"""
