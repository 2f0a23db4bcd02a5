"""Stage discover: k-means over the standardised profile proposes clusters, each described by
its most distinctive features, written next to the rule-based segments."""
