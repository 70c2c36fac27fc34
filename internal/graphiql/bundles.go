package graphiql

// Bundle is one third-party file committed in assets/ and embedded: where it comes from in
// node_modules, where it is kept in assets/ and its pinned digest.
type Bundle struct {
	// Package is the npm package and exact version, e.g. "react@18.2.0".
	Package string
	// NPMPath is the file's path under node_modules/, e.g. "react/umd/react.production.min.js".
	NPMPath string
	// AssetPath is the file's path under assets/ and under <mount>/assets/ on the server;
	// it carries the version so the file can be cached as immutable.
	AssetPath string
	// Integrity is the Subresource Integrity value (sha256-<base64>) of the file: the
	// committed copy, the embedded one and a refresh from npm must all match it.
	Integrity string
	// Kind says how the page references the file.
	Kind BundleKind
}

// BundleKind is how the page references a bundle: as a script or as a stylesheet.
type BundleKind int

const (
	// Script is a JavaScript file loaded with <script>.
	Script BundleKind = iota + 1
	// Stylesheet is a CSS file loaded with <link rel="stylesheet">.
	Stylesheet
	// License is a licence text shipped beside the bundles; the page does not load it.
	License
)

// Bundles lists every file committed in assets/ (gen refreshes them from node_modules), in
// the order the page loads them (React before ReactDOM before GraphiQL). Versions must match
// package.json and package-lock.json; the script and stylesheet digests are also the ones
// gqlgen v0.17.98's playground pins for the same files on jsDelivr.
var Bundles = []Bundle{
	{
		Package:   "react@18.2.0",
		NPMPath:   "react/umd/react.production.min.js",
		AssetPath: "react@18.2.0/umd/react.production.min.js",
		Integrity: "sha256-S0lp+k7zWUMk2ixteM6HZvu8L9Eh//OVrt+ZfbCpmgY=",
		Kind:      Script,
	},
	{
		Package:   "react-dom@18.2.0",
		NPMPath:   "react-dom/umd/react-dom.production.min.js",
		AssetPath: "react-dom@18.2.0/umd/react-dom.production.min.js",
		Integrity: "sha256-IXWO0ITNDjfnNXIu5POVfqlgYoop36bDzhodR6LW5Pc=",
		Kind:      Script,
	},
	{
		Package:   "graphiql@4.1.2",
		NPMPath:   "graphiql/graphiql.min.css",
		AssetPath: "graphiql@4.1.2/graphiql.min.css",
		Integrity: "sha256-MEh+B2NdMSpj9kexQNN3QKc8UzMrCXW/Sx/phcpuyIU=",
		Kind:      Stylesheet,
	},
	{
		Package:   "graphiql@4.1.2",
		NPMPath:   "graphiql/graphiql.min.js",
		AssetPath: "graphiql@4.1.2/graphiql.min.js",
		Integrity: "sha256-hnImuor1znlJkD/FOTL3jayfS/xsyNoP04abi8bFJWs=",
		Kind:      Script,
	},
	// The MIT licences travel with the code we redistribute inside the binary.
	{
		Package: "react@18.2.0", NPMPath: "react/LICENSE", AssetPath: "react@18.2.0/LICENSE",
		Integrity: "sha256-UkEte8fOQVfqYou6rLiCngqcs8WPV/mRdhJryM8r/IU=", Kind: License,
	},
	{
		Package: "react-dom@18.2.0", NPMPath: "react-dom/LICENSE", AssetPath: "react-dom@18.2.0/LICENSE",
		Integrity: "sha256-UkEte8fOQVfqYou6rLiCngqcs8WPV/mRdhJryM8r/IU=", Kind: License,
	},
	{
		Package: "graphiql@4.1.2", NPMPath: "graphiql/LICENSE", AssetPath: "graphiql@4.1.2/LICENSE",
		Integrity: "sha256-Sxj75VxOj5Fpy3Ar4Tj02Fii2tkgw5hXIE/9ycHJ/cQ=", Kind: License,
	},
}
