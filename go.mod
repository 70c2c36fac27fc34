module certgraph

go 1.26.8

require github.com/emmansun/gmsm v0.15.5 // indirect
