/** Parameter files are recognised by name, whatever language mode the editor gives them. No imports: activation reads this. */
export const PARAMS_FILE_SUFFIX = '.animate.json';
