export default defineBackground(() => {
  // Placeholder until the background controller lands.
});
