module certgraph

go 1.26.8
