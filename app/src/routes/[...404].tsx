export default function NotFound() {
  return (
    <main
      style={{
        "font-family": "system-ui, sans-serif",
        "max-width": "40rem",
        margin: "4rem auto",
        padding: "0 1rem",
      }}
    >
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <a href="/">Back to the start page</a>.
      </p>
    </main>
  );
}
