// A placeholder until the product UI lands: server-rendered, readable without JavaScript.
export default function Home() {
  return (
    <main
      style={{
        "font-family": "system-ui, sans-serif",
        "max-width": "40rem",
        margin: "4rem auto",
        padding: "0 1rem",
      }}
    >
      <h1>InstantWorker</h1>
      <p>Hire AI employees that work in their own secure workspace.</p>
      <p>
        The API is served on this same origin: <a href="/api/health">/api/health</a>,{" "}
        <a href="/api/catalogue">/api/catalogue</a>.
      </p>
    </main>
  );
}
