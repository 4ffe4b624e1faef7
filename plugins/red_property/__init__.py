"""Red-property joint meetings (红色物业联席会议).

The community party organisation, the residents' committee, the owners'
committee and the property company sit together every month to settle
residents' urgent problems. The secretary records who came for which body, the
agenda (earlier unfinished actions first, then requests pulled from the
property categories), the resolutions with their owners and deadlines, and
follows each action item up meeting after meeting until it is done. The plugin
also logs the property company's micro-services (微服务: free home repairs,
shopping on someone's behalf). See docs/red_property.md.
"""
