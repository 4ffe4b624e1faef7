"""Insights (民意数据库): hot words, rising topics and hot spots from the street's
requests, and the heat of topics in residents' WeChat groups.

Requests are segmented with jieba (plus a user dictionary built from the street's
place tree and category keywords, a stop-word list and synonyms) when they are
written; reports aggregate the stored tokens. See docs/insights.md.
"""
