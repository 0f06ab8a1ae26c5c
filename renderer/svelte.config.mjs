// Svelte options for the renderer. The windows receive `api` once (it never changes for the
// life of a window), so reading it at set-up time is intended.
export default {
  compilerOptions: {
    warningFilter: (warning) => !(warning.code === 'state_referenced_locally' && /`api`/.test(warning.message)),
  },
};
