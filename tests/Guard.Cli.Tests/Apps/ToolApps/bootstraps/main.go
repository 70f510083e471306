// A Go custom-runtime bootstrap: build/test-fixtures.sh builds it as go build -o bootstrap (CGO_ENABLED=0, linux/amd64).
package main

import "fmt"

func main() {
	fmt.Println("bootstrap")
}
