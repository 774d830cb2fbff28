<?php
// Test harness (lemma-pkg's own code, no Moodle needed): load the plugin's external classes
// against minimal stand-ins of core_external's description classes and print, as JSON,
// what each function's execute_parameters() and execute_returns() describe, plus the
// plugin's db/services.php. tests/test_plugin_contract.py compares this with contract.yaml.
//
// usage: php dump_external.php PLUGIN_DIR CLASSNAME...

namespace core_external {
    const DESC_KEYS = ['required', 'default'];

    abstract class external_description {
        public $required;
        public $default;
        public function __construct($required, $default) {
            $this->required = $required;
            $this->default = $default;
        }
        abstract public function dump(): array;
        protected function common(array $out): array {
            $out['required'] = $this->required;
            if ($this->required === VALUE_DEFAULT) {
                $out['default'] = $this->default;
            }
            ksort($out);
            return $out;
        }
    }

    class external_value extends external_description {
        public $type;
        public $allownull;
        public function __construct($type, $desc = '', $required = VALUE_REQUIRED, $default = null,
                                    $allownull = NULL_ALLOWED) {
            parent::__construct($required, $default);
            $this->type = $type;
            $this->allownull = $allownull;
        }
        public function dump(): array {
            return $this->common(['type' => $this->type, 'allownull' => (bool)$this->allownull]);
        }
    }

    class external_single_structure extends external_description {
        public $keys;
        public function __construct(array $keys = [], $desc = '', $required = VALUE_REQUIRED,
                                    $default = null) {
            parent::__construct($required, $default);
            $this->keys = $keys;
        }
        public function dump(): array {
            $keys = [];
            foreach ($this->keys as $k => $v) {
                $keys[$k] = $v->dump();
            }
            return $this->common(['keys' => (object)$keys]);
        }
    }

    class external_function_parameters extends external_single_structure {
    }

    class external_multiple_structure extends external_description {
        public $content;
        public function __construct(external_description $content, $desc = '',
                                    $required = VALUE_REQUIRED, $default = null) {
            parent::__construct($required, $default);
            $this->content = $content;
        }
        public function dump(): array {
            return $this->common(['list' => $this->content->dump()]);
        }
    }

    class external_api {
    }

    class external_warnings extends external_multiple_structure {
        public function __construct($itemdesc = 'item', $itemiddesc = 'item id',
                                    $warningcodedesc = 'warning code') {
            parent::__construct(new external_single_structure([
                'item' => new external_value(PARAM_TEXT, $itemdesc, VALUE_OPTIONAL),
                'itemid' => new external_value(PARAM_INT, $itemiddesc, VALUE_OPTIONAL),
                'warningcode' => new external_value(PARAM_ALPHANUM, $warningcodedesc),
                'message' => new external_value(PARAM_RAW, 'untranslated english message'),
            ]), 'list of warnings', VALUE_OPTIONAL);
        }
    }
}

namespace {
    define('MOODLE_INTERNAL', true);
    define('VALUE_REQUIRED', 1);
    define('VALUE_OPTIONAL', 2);
    define('VALUE_DEFAULT', 0);
    define('NULL_NOT_ALLOWED', false);
    define('NULL_ALLOWED', true);
    // PARAM_* as Moodle 4.5 defines them (lib/moodlelib.php, lib/classes/param.php).
    $params = [
        'ALPHA' => 'alpha', 'ALPHAEXT' => 'alphaext', 'ALPHANUM' => 'alphanum', 'ALPHANUMEXT' => 'alphanumext',
        'AUTH' => 'auth', 'BASE64' => 'base64', 'BOOL' => 'bool', 'CAPABILITY' => 'capability',
        'CLEANHTML' => 'cleanhtml', 'EMAIL' => 'email', 'FILE' => 'file', 'FLOAT' => 'float',
        'LOCALISEDFLOAT' => 'localisedfloat', 'HOST' => 'host', 'INT' => 'int', 'LANG' => 'lang',
        'LOCALURL' => 'localurl', 'NOTAGS' => 'notags', 'PATH' => 'path', 'PEM' => 'pem',
        'PERMISSION' => 'permission', 'RAW' => 'raw', 'RAW_TRIMMED' => 'raw_trimmed', 'SAFEDIR' => 'safedir',
        'SAFEPATH' => 'safepath', 'SEQUENCE' => 'sequence', 'TAG' => 'tag', 'TAGLIST' => 'taglist',
        'TEXT' => 'text', 'THEME' => 'theme', 'URL' => 'url', 'USERNAME' => 'username',
        'STRINGID' => 'stringid', 'CLEAN' => 'clean', 'INTEGER' => 'int', 'NUMBER' => 'float',
        'ACTION' => 'alphanumext', 'FORMAT' => 'alphanumext', 'MULTILANG' => 'text', 'TIMEZONE' => 'timezone',
        'CLEANFILE' => 'cleanfile', 'COMPONENT' => 'component', 'AREA' => 'area', 'PLUGIN' => 'plugin',
    ];
    foreach ($params as $name => $value) {
        if (!defined("PARAM_$name")) {
            define("PARAM_$name", $value);
        }
    }

    $plugindir = $argv[1];
    spl_autoload_register(function ($class) use ($plugindir) {
        $prefix = 'local_lemma\\';
        if (strpos($class, $prefix) === 0) {
            $rel = str_replace('\\', '/', substr($class, strlen($prefix)));
            $file = "$plugindir/classes/$rel.php";
            if (is_file($file)) {
                require_once($file);
            }
        }
    });
    $out = ['functions' => [], 'services' => null];
    foreach (array_slice($argv, 2) as $class) {
        $out['functions'][$class] = [
            'parameters' => $class::execute_parameters()->dump()['keys'],
            'returns' => $class::execute_returns() === null ? null : $class::execute_returns()->dump(),
        ];
    }
    $functions = [];
    $services = [];
    require("$plugindir/db/services.php");
    $out['services'] = $services;
    $out['servicefunctions'] = $functions;
    echo json_encode($out, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
}
